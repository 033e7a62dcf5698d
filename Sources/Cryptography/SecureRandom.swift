import CCrypto

/// OpenSSL's CSPRNG, which the deployment image's libcrypto seeds from the kernel.
public enum SecureRandom {
    @Sendable public static func fill(_ buffer: inout [UInt8]) {
        guard !buffer.isEmpty else { return }
        let ok = buffer.withUnsafeMutableBytes {
            RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32($0.count))
        }
        // A failing CSPRNG leaves nothing safe to do: never fall back to a weaker source.
        precondition(ok == 1, "RAND_bytes failed")
    }
}
