/// The protection asked for, as the rotation decided it (the function maps
/// its `SessionProtection` to this; the database layer knows no secrets or
/// settings). It decides everything about a session except what only the
/// server's greeting can tell (whether TLS is on offer), which `session`
/// takes once it is known. Pure, so the whole table is unit-tested.
public enum TLSPolicy: Sendable, Equatable, CaseIterable {
    /// Verified TLS or no connection.
    case verified
    /// Verified TLS when the greeting offers TLS; plaintext, with a warning,
    /// only when it offers none.
    case opportunistic
    /// Plaintext, the user's explicit choice.
    case plaintext

    /// What a session does, given what the greeting offered. There is no
    /// "TLS failed, try plaintext": once TLS is on offer, only a verified
    /// session may follow.
    public func session(greetingOffersTLS: Bool) -> TLSSession {
        switch (self, greetingOffersTLS) {
        case (.verified, true), (.opportunistic, true): .verifiedTLS
        case (.verified, false): .refuse
        case (.opportunistic, false): .plaintext(warn: true)
        case (.plaintext, _): .plaintext(warn: false)
        }
    }
}

/// How one session is protected.
public enum TLSSession: Sendable, Equatable {
    /// TLS, the certificate chained to the CA bundle and naming the host dialled.
    case verifiedTLS
    /// No TLS; only challenge-response logins are allowed (`AuthenticationPolicy`).
    /// `warn`: the user did not choose it, the server offers no TLS.
    case plaintext(warn: Bool)
    /// No session at all: TLS is required and the server offers none.
    case refuse
}

/// A policy and the CA certificates that verification uses.
public enum TLSMode: Sendable, Equatable {
    /// `TLSPolicy.verified`: the server certificate must chain to `caBundle`
    /// and name the host that was dialled.
    case required(caBundle: String)
    /// `TLSPolicy.opportunistic`, verifying against `caBundle` when TLS is offered.
    case opportunistic(caBundle: String)
    /// `TLSPolicy.plaintext`.
    case disabled

    public var policy: TLSPolicy {
        switch self {
        case .required: .verified
        case .opportunistic: .opportunistic
        case .disabled: .plaintext
        }
    }

    var caBundle: String? {
        switch self {
        case .required(let bundle), .opportunistic(let bundle): bundle
        case .disabled: nil
        }
    }
}

extension TLSMode: CustomStringConvertible {
    public var description: String {
        switch self {
        case .required: "required"
        case .opportunistic: "opportunistic"
        case .disabled: "disabled"
        }
    }
}
