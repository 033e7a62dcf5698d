import CMariaDB

/// The server's certificate as the session received it: names and dates only.
public struct PeerCertificate: Sendable, Equatable {
    public var subject: String
    public var issuer: String
    /// As OpenSSL prints it, e.g. `Jan  1 00:00:00 2030 GMT`.
    public var notAfter: String
    /// Whole days until it expires; nil when OpenSSL could not tell.
    public var daysLeft: Int?
}

extension MariaDBConnection {
    /// e.g. `TLSv1.3`; nil for a plaintext session.
    public var tlsVersion: String? {
        guard tlsCipher != nil else { return nil }
        return rotator_mysql_tls_version(handle).map { String(cString: $0) }
    }

    /// nil for a plaintext session.
    public var peerCertificate: PeerCertificate? {
        guard tlsCipher != nil else { return nil }
        let size = 512
        var subject = [CChar](repeating: 0, count: size)
        var issuer = [CChar](repeating: 0, count: size)
        var notAfter = [CChar](repeating: 0, count: size)
        var days: Int32 = -1
        guard rotator_mysql_peer_certificate(handle, &subject, &issuer, &notAfter, size, &days) == 1 else { return nil }
        func text(_ buffer: [CChar]) -> String {
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return PeerCertificate(
            subject: text(subject), issuer: text(issuer), notAfter: text(notAfter),
            daysLeft: days >= 0 ? Int(days) : nil)
    }
}
