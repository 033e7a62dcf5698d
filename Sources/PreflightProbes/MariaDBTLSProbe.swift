import MariaDB
import Preflight
import Rotation

/// One login with TLS required and the certificate verified (chain and
/// host name), to learn what the server offers whatever the rotation's
/// own TLS policy.
public struct MariaDBTLSProbe: TLSProbing {
    public let caBundle: String?
    /// The rotation's own options for a login (timeouts, plugins, deadline).
    public let options: (DatabaseLogin) throws -> MariaDBOptions

    public init(caBundle: String?, options: @escaping (DatabaseLogin) throws -> MariaDBOptions) {
        self.caBundle = caBundle
        self.options = options
    }

    public func probe(_ login: DatabaseLogin) -> TLSProbe {
        guard let caBundle else { return TLSProbe(outcome: .noCABundle) }
        do {
            var options = try options(login)
            options.tls = .verified
            options.caBundle = caBundle
            return try MariaDBConnection.withConnection(options) { connection in
                TLSProbe(
                    outcome: .verified, caBundle: caBundle, cipher: connection.tlsCipher,
                    tlsVersion: connection.tlsVersion,
                    certificate: connection.peerCertificate.map {
                        CertificateSummary(
                            subject: $0.subject, issuer: $0.issuer, notAfter: $0.notAfter, daysLeft: $0.daysLeft)
                    })
            }
        } catch let error as MariaDBError {
            switch error {
            // The certificate is checked in the handshake, before the login.
            case .accessDenied, .loginRefused: return TLSProbe(outcome: .verifiedLoginRefused, caBundle: caBundle)
            case .tlsRequiredButUnavailable: return TLSProbe(outcome: .notOffered, caBundle: caBundle)
            case .tlsFailed(_, _, _, let message, _):
                return TLSProbe(outcome: .notVerified(reason: message), caBundle: caBundle)
            default: return TLSProbe(outcome: .failed(reason: error.description), caBundle: caBundle)
            }
        } catch {
            return TLSProbe(outcome: .failed(reason: "\(type(of: error))"), caBundle: caBundle)
        }
    }
}
