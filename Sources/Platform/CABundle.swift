#if canImport(Glibc)
import Glibc
#endif

/// Where this system keeps its CA certificates.
///
/// The binary is built on Debian and runs on Amazon Linux, whose paths
/// differ, so the first bundle that exists wins rather than the path curl
/// was compiled with.
public enum CABundle {
    public static let candidates = [
        "/etc/pki/tls/certs/ca-bundle.crt",  // Amazon Linux, Fedora, RHEL
        "/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu, Alpine
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "/etc/ssl/ca-bundle.pem",  // openSUSE
        "/etc/ssl/cert.pem",
    ]

    public static var systemPath: String? {
        candidates.first { access($0, R_OK) == 0 }
    }

    /// The same system trust store as one file per certificate, named by
    /// subject hash (what `update-ca-certificates` and `update-ca-trust`
    /// write next to the bundle). OpenSSL parses a bundle whole, about
    /// 140 certificates, 25 ms of CPU and 1.5 MB here, on the first HTTPS
    /// request; from such a directory it reads only the issuers a
    /// handshake asks for.
    public static let directoryCandidates = [
        "/etc/pki/ca-trust/extracted/pem/directory-hash",  // Fedora, RHEL 9, newer Amazon Linux 2023
        "/etc/ssl/certs",  // Debian, Ubuntu, Alpine; on Amazon Linux only a bundle, hence the check
    ]

    /// The first candidate directory that holds hash-named certificates.
    public static var systemDirectory: String? {
        directoryCandidates.first(where: holdsHashedCertificates)
    }

    /// Whether `path` is a directory with at least one `c_rehash` entry.
    static func holdsHashedCertificates(_ path: String) -> Bool {
        guard let directory = opendir(path) else { return false }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if isHashName(name) { return true }
        }
        return false
    }

    /// `c_rehash` names: eight lower-case hex digits, a dot, a sequence number.
    static func isHashName(_ name: String) -> Bool {
        let parts = name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 8, !parts[1].isEmpty else { return false }
        let isHex: (UInt8) -> Bool = { (48...57).contains($0) || (97...102).contains($0) }
        return parts[0].allSatisfy(isHex) && parts[1].allSatisfy { (48...57).contains($0) }
    }
}
