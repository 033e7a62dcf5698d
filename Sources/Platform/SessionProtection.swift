/// What the client demands of a database session: the one TLS type. The
/// rotation decides it from the secret's `ssl` key, `REQUIRE_TLS` and what the
/// session can do (Rotation/Sessions/SessionProtection+Accounts.swift); the
/// preflight check reports it; the MariaDB layer carries it out beside the CA
/// bundle that verification uses (`MariaDBOptions`), adding only what the
/// server's greeting offers (`TLSSession`).
///
/// Cases are ordered from the least to the most protected.
public enum SessionProtection: Int, Sendable, Equatable, Comparable, CaseIterable {
    /// `"ssl": false`: plaintext, the user's explicit choice.
    case plaintext
    /// No `ssl` key: verified TLS when the greeting offers TLS; plaintext,
    /// with a warning, only when it offers none.
    case opportunistic
    /// `"ssl": true`, `REQUIRE_TLS=true`, or a session that can change an
    /// account: verified TLS or no connection.
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
    public var ssl: Bool? {
        switch self {
        case .plaintext: false
        case .opportunistic: nil
        case .verified: true
        }
    }

    /// The stronger of two versions' `ssl` keys, as the keys rank here
    /// (false < absent < true): each password goes at the stronger of its own
    /// version's and AWSCURRENT's.
    public static func stronger(_ first: Bool?, _ second: Bool?) -> Bool? {
        max(Self(ssl: first, requireTLS: false), Self(ssl: second, requireTLS: false)).ssl
    }
}

extension SessionProtection: CustomStringConvertible {
    /// The words the check's report and the option dumps use.
    public var description: String {
        switch self {
        case .verified: "required"
        case .opportunistic: "opportunistic"
        case .plaintext: "disabled"
        }
    }
}
