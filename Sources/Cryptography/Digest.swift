import CCrypto

/// SHA-256 and HMAC-SHA256 through libcrypto, the only crypto the binary links.
public enum Digest {
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = withNonEmptyPointer(bytes) { data in
            EVP_Digest(data, bytes.count, &output, &length, EVP_sha256(), nil)
        }
        // libcrypto only fails here on allocation failure; a wrong hash would be worse than stopping.
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return Array(output.prefix(32))
    }

    public static func sha256(_ text: String) -> [UInt8] {
        sha256(Array(text.utf8))
    }

    public static func hmacSHA256(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = withNonEmptyPointer(key) { keyPointer in
            withNonEmptyPointer(message) { messagePointer in
                HMAC(EVP_sha256(), keyPointer, Int32(key.count), messagePointer, message.count, &output, &length)
            }
        }
        precondition(result != nil && length == 32, "HMAC(SHA-256) failed")
        return Array(output.prefix(32))
    }

    public static func hmacSHA256(key: [UInt8], _ message: String) -> [UInt8] {
        hmacSHA256(key: key, Array(message.utf8))
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An empty array may have no storage, and a null pointer is not what
    /// libcrypto expects even with a zero length.
    static func withNonEmptyPointer<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>) -> R) -> R {
        if bytes.isEmpty {
            var zero: UInt8 = 0
            return withUnsafePointer(to: &zero) { body($0) }
        }
        return bytes.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
