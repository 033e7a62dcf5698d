import CCrypto

/// The hashes MariaDB and MySQL store for a password, computed locally, so a
/// password can be proven to be an account's primary one by comparing with
/// what `SHOW CREATE USER` prints, without logging in again.
///
/// Only two plugins hash without a salt the server keeps secret:
/// `mysql_native_password` (`*` and the uppercase hex of SHA1(SHA1(password)))
/// and MariaDB's `ed25519` (the base64, without padding, of the Ed25519
/// public key whose seed is the password, as MariaDB's ref10
/// `crypto_sign_keypair(pk, pw, pwlen)` derives it).
public enum MySQLPasswordHash {
    /// Whether `stored`, as `SHOW CREATE USER` prints it for `plugin`, is the
    /// hash of `password`; nil for a plugin whose hash is not computed here
    /// (`caching_sha2_password`, `sha256_password`, `parsec`: salted with
    /// many rounds).
    public static func matches(_ password: String, plugin: String, stored: String) -> Bool? {
        switch plugin.lowercased() {
        case "mysql_native_password":
            constantTimeEqual(Array(nativePassword(password).utf8), Array(stored.uppercased().utf8))
        case "ed25519":
            ed25519Matches(password, stored: stored)
        default:
            nil
        }
    }

    /// `mysql_native_password`'s stored form.
    public static func nativePassword(_ password: String) -> String {
        let twice = digest(digest(Array(password.utf8), EVP_sha1()), EVP_sha1())
        return "*" + Digest.hex(twice).uppercased()
    }

    /// Whether `stored` (43 characters of base64) is the Ed25519 public key
    /// MariaDB derives from `password`.
    ///
    /// The public key is A = a·B, with a the clamped first half of
    /// SHA-512(password). X25519 computes the same clamped multiple on the
    /// birationally equivalent Montgomery curve, whose base point (u = 9) is
    /// B's image, and returns u(a·B); an Edwards point's y maps to
    /// u = (1 + y) / (1 − y) mod 2^255 − 19. Comparing u ignores only the
    /// sign bit of x, which identifies A up to its negation: a password
    /// would have to match the other half of a point to pass wrongly.
    public static func ed25519Matches(_ password: String, stored: String) -> Bool {
        guard let key = base64DecodedWithoutPadding(stored), key.count == 32 else { return false }
        var scalar = Array(digest(Array(password.utf8), EVP_sha512()).prefix(32))
        scalar[0] &= 248
        scalar[31] &= 63
        scalar[31] |= 64
        guard let computed = x25519PublicKey(scalar), let expected = montgomeryU(ofEdwardsKey: key) else {
            return false
        }
        return constantTimeEqual(computed, expected)
    }

    /// u(a·(u = 9)), little-endian.
    static func x25519PublicKey(_ scalar: [UInt8]) -> [UInt8]? {
        guard let key = EVP_PKEY_new_raw_private_key(rotator_evp_pkey_x25519(), nil, scalar, scalar.count) else {
            return nil
        }
        defer { EVP_PKEY_free(key) }
        var publicKey = [UInt8](repeating: 0, count: 32)
        var length = publicKey.count
        guard EVP_PKEY_get_raw_public_key(key, &publicKey, &length) == 1, length == 32 else { return nil }
        return publicKey
    }

    /// u = (1 + y) / (1 − y) mod p for an encoded Edwards point (y
    /// little-endian, x's sign in the top bit), little-endian; nil for y = 1.
    static func montgomeryU(ofEdwardsKey key: [UInt8]) -> [UInt8]? {
        var yBytes = key
        yBytes[31] &= 0x7F
        guard let context = BN_CTX_new() else { return nil }
        defer { BN_CTX_free(context) }
        let p = BN_new()
        let y = BN_new()
        let one = BN_new()
        let numerator = BN_new()
        let denominator = BN_new()
        let u = BN_new()
        defer { [p, y, one, numerator, denominator, u].forEach { BN_free($0) } }
        // p = 2^255 − 19, written big-endian.
        let prime: [UInt8] = [0x7F] + [UInt8](repeating: 0xFF, count: 30) + [0xED]
        guard BN_bin2bn(prime, 32, p) != nil, BN_bin2bn(yBytes.reversed(), 32, y) != nil, BN_set_word(one, 1) == 1,
            BN_mod_add(numerator, one, y, p, context) == 1, BN_mod_sub(denominator, one, y, p, context) == 1,
            BN_is_zero(denominator) == 0, BN_mod_inverse(denominator, denominator, p, context) != nil,
            BN_mod_mul(u, numerator, denominator, p, context) == 1
        else { return nil }
        var out = [UInt8](repeating: 0, count: 32)
        guard BN_bn2binpad(u, &out, 32) == 32 else { return nil }
        return out.reversed()
    }

    static func digest(_ bytes: [UInt8], _ type: OpaquePointer?) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = Digest.withNonEmptyPointer(bytes) { EVP_Digest($0, bytes.count, &output, &length, type, nil) }
        // libcrypto only fails here on allocation failure; a wrong hash would be worse than stopping.
        precondition(ok == 1, "EVP_Digest failed")
        return Array(output.prefix(Int(length)))
    }

    /// Standard base64 without `=` padding, as MariaDB prints ed25519 keys.
    static func base64DecodedWithoutPadding(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var bits: UInt32 = 0
        var count = 0
        var out: [UInt8] = []
        for character in text.utf8 where character != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            bits = (bits << 6) | UInt32(value)
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return out
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
