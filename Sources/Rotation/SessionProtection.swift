/// How a database session is protected: the one decision, made from the
/// secret's `ssl` key (raised by the admin rule in a step that uses the
/// admin) and `REQUIRE_TLS`. Rotation and the preflight check both ask it;
/// the database edge only maps the answer to Connector/C's options, and
/// what the server's greeting offers is the MariaDB layer's to add.
///
/// Cases are ordered from the least to the most protected.
public enum SessionProtection: Int, Sendable, Equatable, Comparable, CaseIterable {
    /// `"ssl": false`: plaintext, the user's explicit choice.
    case plaintext
    /// No `ssl` key: verified TLS when the greeting offers TLS; plaintext,
    /// with a warning, only when it offers none.
    case opportunistic
    /// `"ssl": true` or `REQUIRE_TLS=true`: verified TLS or no connection.
    case verified

    public init(ssl: Bool?, requireTLS: Bool) {
        switch (requireTLS, ssl) {
        case (true, _), (false, true?): self = .verified
        case (false, nil): self = .opportunistic
        case (false, false?): self = .plaintext
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The `ssl` key that asks for this protection.
    var ssl: Bool? {
        switch self {
        case .plaintext: false
        case .opportunistic: nil
        case .verified: true
        }
    }

    /// The stronger of two secrets' `ssl` keys, as the keys rank here
    /// (false < absent < true).
    static func stronger(_ first: Bool?, _ second: Bool?) -> Bool? {
        max(Self(ssl: first, requireTLS: false), Self(ssl: second, requireTLS: false)).ssl
    }

    // MARK: - The admin rule

    // An admin session is never less protected than the rotated secret's
    // own, and `ssl: true` on either secret means verified TLS for every
    // login of a step that uses the admin.

    /// The `ssl` the admin's login uses.
    public static func admin(adminSSL: Bool?, rotatedSSL: Bool?) -> Bool? {
        stronger(adminSSL, rotatedSSL)
    }

    /// The `ssl` the rotated secret's logins use in a step that also logs in
    /// as the admin: the admin's protection when it is the stronger, because
    /// the rotated login proves which account the admin then changes (an
    /// on-path answer to a plaintext `SELECT CURRENT_USER()` could otherwise
    /// name another account). An admin secret's `false` or absent key weakens nothing.
    public static func rotated(rotatedSSL: Bool?, adminSSL: Bool?) -> Bool? {
        stronger(adminSSL, rotatedSSL)
    }
}

extension DatabaseLogin {
    /// The protection this login's session gets under `REQUIRE_TLS`.
    public func protection(requireTLS: Bool) -> SessionProtection {
        SessionProtection(ssl: ssl, requireTLS: requireTLS)
    }
}
