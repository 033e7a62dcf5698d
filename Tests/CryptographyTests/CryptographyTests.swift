import Cryptography
import Testing

/// Published vectors (FIPS 180-2, RFC 4231), so a wrong binding to libcrypto
/// shows here rather than as a signature AWS rejects.
@Suite struct DigestTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ])
    func sha256(_ input: String, _ expected: String) {
        #expect(Digest.hex(Digest.sha256(input)) == expected)
    }

    @Test func hmacSHA256() {
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), "what do ya want for nothing?")
        #expect(Digest.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func hmacWithAnEmptyKeyAndMessage() {
        let mac = Digest.hmacSHA256(key: [], "")
        #expect(Digest.hex(mac) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}

@Suite struct SecureRandomTests {
    @Test func fillsTheWholeBufferWithFreshBytes() {
        var first = [UInt8](repeating: 0, count: 64)
        var second = [UInt8](repeating: 0, count: 64)
        SecureRandom.fill(&first)
        SecureRandom.fill(&second)
        // 64 random bytes are all zero, or repeat, with probability 2^-512.
        #expect(first != [UInt8](repeating: 0, count: 64))
        #expect(first != second)
    }

    @Test func anEmptyBufferIsLeftAlone() {
        var empty: [UInt8] = []
        SecureRandom.fill(&empty)
        #expect(empty.isEmpty)
    }
}
