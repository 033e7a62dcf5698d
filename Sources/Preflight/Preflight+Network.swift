import Platform
import Rotation

extension PreflightRun {
    /// DNS and TCP; false when the database cannot be reached at all.
    func checkNetwork(_ current: DatabaseSecret) -> Bool {
        let host = current.host, port = current.port
        let (resolved, dnsMs) = timed { try preflight.network.resolve(host) }
        switch resolved {
        case .failure(let error):
            add(
                "dns", false, "\(host) does not resolve: \(message(error))", dnsMs,
                advice:
                    "Check the secret's host; a private name needs the VPC's DNS (enableDnsSupport/enableDnsHostnames) or its private hosted zone"
            )
            return false
        case .success(let addresses):
            let shown = addresses.prefix(4).joined(separator: ", ") + (addresses.count > 4 ? ", …" : "")
            add("dns", true, "\(host) resolves to \(shown)", dnsMs)
        }
        let timeout = max(1, min(5, context.secondsLeft / 4))
        let (connected, tcpMs) = timed { try preflight.network.connect(host, port: port, timeoutSeconds: timeout) }
        if case .failure(let error) = connected {
            add(
                "tcp", false, "no TCP connection to \(host):\(port): \(message(error))", tcpMs,
                advice:
                    "Let the function reach \(host):\(port): its security group's outbound rules, the database's inbound rules, the subnets' routes (template parameters VpcSubnetIds, VpcSecurityGroupIds)"
            )
            return false
        }
        add("tcp", true, "connected to \(host):\(port) in \(PreflightReport.milliseconds(tcpMs)) ms", tcpMs)
        return true
    }

    /// The mode reported is setSecret's for AWSCURRENT's login (`currentLogin`).
    func checkTLS(_ current: DatabaseSecret) {
        let login = currentLogin(current)
        let mode = context.tlsMode(login.effectiveSSL)
        let (probe, ms) = timed { preflight.tls.probe(login) }
        guard case .success(let result) = probe else { return }
        let verdict = Self.tlsVerdict(
            mode: mode, probe: result, host: current.host, port: current.port,
            changesAccounts: login.changesAccounts ? strategyNeedingTLS : nil)
        add("tls", verdict.ok, verdict.detail, ms, advice: verdict.advice)
    }

    /// What the rotation will do with TLS under the policy in force, from
    /// what the server offers. A server that offers TLS must verify: an
    /// unverified session is no protection against whoever answers instead.
    static func tlsVerdict(
        mode: String, probe: TLSProbe, host: String, port: Int, changesAccounts strategy: String? = nil
    )
        -> (ok: Bool, detail: String, advice: String?)
    {
        let ca = probe.caBundle ?? "(no CA bundle)"
        var session: [String] = []
        if let version = probe.tlsVersion { session.append(version) }
        if let cipher = probe.cipher { session.append(cipher) }
        if let certificate = probe.certificate {
            session.append(
                "certificate subject \(certificate.subject), issuer \(certificate.issuer), expires \(certificate.notAfter)"
                    + (certificate.daysLeft.map { " (in \($0) days)" } ?? ""))
        }
        let found = session.isEmpty ? "" : "; " + session.joined(separator: ", ")
        let caAdvice =
            "Set DB_CA_BUNDLE (template parameter DbCaBundle) to the CA that signed the server's certificate (for RDS, the region's global-bundle.pem), and use the host name the certificate names"
        switch (probe.outcome, mode) {
        case (.verified, _), (.verifiedLoginRefused, _):
            let use =
                mode == "disabled"
                ? "but the secret's ssl is false, so the rotation talks plaintext" : "the rotation uses TLS (\(mode))"
            return (
                true,
                "the server offers TLS and its certificate verifies against \(ca) (chain and host name); \(use)\(found)",
                nil
            )
        case (.notOffered, _) where strategy != nil:
            return (
                false,
                "setSecret under \(strategy!) can change an account, so it runs only over verified TLS (whatever REQUIRE_TLS and the secrets' ssl say), but \(host):\(port) offers none",
                "To rotate: " + SessionProtection.accountChangeAdvice
            )
        case (.notOffered, "required"):
            return (
                false, "TLS is required (the secret's ssl or REQUIRE_TLS) but \(host):\(port) offers none",
                "Turn TLS on in the server (require_secure_transport, or an RDS parameter group), or set ssl to false in the secret if plaintext is acceptable"
            )
        case (.notOffered, _):
            return (
                true, "\(host):\(port) offers no TLS: the rotation talks plaintext (\(mode)) and logs a warning", nil
            )
        case (.notVerified(let reason), "disabled"):
            return (
                true,
                "the secret's ssl is false, so the rotation talks plaintext; the server's certificate would not verify against \(ca): \(reason)",
                nil
            )
        case (.notVerified(let reason), _):
            return (
                false, "the server offers TLS but its certificate does not verify against \(ca): \(reason)", caAdvice
            )
        case (.noCABundle, "required"):
            return (false, "TLS is required but the function has no CA bundle", caAdvice)
        case (.noCABundle, _):
            return (true, "no CA bundle to verify the server's certificate with; TLS \(mode)", nil)
        case (.failed(let reason), _):
            return (false, "TLS could not be probed: \(reason)", nil)
        }
    }
}
