/// The admin rule: an admin session is never less protected than the
/// rotated secret's own, and `ssl: true` on either secret means verified TLS
/// for every login of a step that uses the admin. Values are the secrets'
/// `ssl` keys (`true`, `false`, absent); protection grows false < absent < true
/// (absent is verified TLS whenever the server offers TLS).
public enum SessionProtection {
    /// The `ssl` the admin's login uses.
    public static func admin(adminSSL: Bool?, rotatedSSL: Bool?) -> Bool? {
        rank(adminSSL) >= rank(rotatedSSL) ? adminSSL : rotatedSSL
    }

    /// The `ssl` the rotated secret's logins use in a step that also logs in
    /// as the admin: the admin's protection when it is the stronger, because
    /// the rotated login proves which account the admin then changes (an
    /// on-path answer to a plaintext `SELECT CURRENT_USER()` could otherwise
    /// name another account). An admin secret's `false` or absent key weakens nothing.
    public static func rotated(rotatedSSL: Bool?, adminSSL: Bool?) -> Bool? {
        admin(adminSSL: adminSSL, rotatedSSL: rotatedSSL)
    }

    private static func rank(_ ssl: Bool?) -> Int {
        switch ssl {
        case false?: 0
        case nil: 1
        case true?: 2
        }
    }
}
