import Cryptography
import Testing

/// Vectors read from a live MariaDB 10.11.19 (`CREATE USER … IDENTIFIED VIA
/// <plugin> USING PASSWORD('…')`, then `SHOW CREATE USER`), committed as
/// data: non-ASCII, one character, longer than a SHA-512 block, quotes and
/// backslashes, spaces at both ends. Test-only passwords.
@Suite struct MySQLPasswordHashTests {
    static let passwords = [
        "vector-password-1", "Ümlaut-ñ-日本語-🔑", "x",
        String(repeating: "L", count: 100) + "ong-" + String(repeating: "é", count: 60),
        "quote'\"back\\slash", " spaced out ",
    ]
    static let ed25519 = [
        "H7LSCAA+BxM0twSpXkDYYpAhNgaMQ7h2iFsIh12VfGI", "fpkgk8OidAJ7ETcWu5quNLXGt9Q5INOjYLt9WvCGSK8",
        "Gv2JI8Env2fd5YGonZ082tX3UAW+yJYldOlj4R1bfK4", "KrXJ1xHnOjTIHnwZG0k/xghcbH0MTH4CpQzpl63GH4w",
        "wVpgPd0JC887TgbSvTplyPbGguLx0eHUfPnZ8f1i4N8", "rmLwIT7lD6ds682Msc5CExAAvnppCFj9f4B4oOn5VNs",
    ]
    static let native = [
        "*A6BCB689A24EDD56B69ED514FCB75A18984ADB0D", "*C3B4E2D8A0162134F3BEE0351A00AAA77E656565",
        "*B69027D44F6E5EDC07F1AEAD1477967B16F28227", "*2B3F624FBCBFA1ABC1989F710461F67A079FE925",
        "*0F199953D79CA488187630E20CA1D92BBED75C38", "*BE468D22DD1EFA50E46CD6BAA62D06FA121590A8",
    ]

    @Test(arguments: 0..<6)
    func nativePasswordIsTheServersHash(index: Int) {
        #expect(MySQLPasswordHash.nativePassword(Self.passwords[index]) == Self.native[index])
        #expect(
            MySQLPasswordHash.matches(
                Self.passwords[index], plugin: "mysql_native_password", stored: Self.native[index]) == true)
    }

    @Test(arguments: 0..<6)
    func ed25519MatchesTheServersKey(index: Int) {
        #expect(
            MySQLPasswordHash.matches(Self.passwords[index], plugin: "ED25519", stored: Self.ed25519[index]) == true)
    }

    /// Every other vector's password is refused: the comparison is not vacuous.
    @Test(arguments: 0..<6)
    func anotherPasswordDoesNotMatch(index: Int) {
        for other in Self.passwords.indices where other != index {
            #expect(
                MySQLPasswordHash.matches(Self.passwords[other], plugin: "ed25519", stored: Self.ed25519[index])
                    == false)
            #expect(
                MySQLPasswordHash.matches(
                    Self.passwords[other], plugin: "mysql_native_password", stored: Self.native[index])
                    == false)
        }
    }

    @Test(arguments: [
        "", "not base64!", "H7LSCAA+BxM0twSpXkDYYpAhNgaMQ7h2iFsIh12VfG", "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ])
    func aMalformedOrDegenerateKeyMatchesNothing(stored: String) {
        // The last is y = 1, where (1 + y) / (1 − y) has no value.
        #expect(MySQLPasswordHash.matches("vector-password-1", plugin: "ed25519", stored: stored) == false)
    }

    @Test(arguments: ["caching_sha2_password", "sha256_password", "parsec", "unix_socket"])
    func aSaltedOrPasswordlessPluginIsNotComputed(plugin: String) {
        #expect(MySQLPasswordHash.matches("vector-password-1", plugin: plugin, stored: "$A$005$whatever") == nil)
    }
}
