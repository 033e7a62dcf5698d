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
}
