/// What the client demands of a session, carrying the CA certificates that
/// verification uses: the rotation's `SessionProtection`, mapped once by the
/// function (`MariaDBDatabase.tlsMode(for:)`); the database layer knows no
/// secrets or settings. It decides everything about a session except what
/// only the server's greeting can tell (whether TLS is on offer), which
/// `session(greetingOffersTLS:)` takes once it is known. Pure, so the whole
/// table is unit-tested.
public enum TLSMode: Sendable, Equatable {
    /// Verified TLS or no connection: the server certificate must chain to
    /// `caBundle` and name the host that was dialled.
    case required(caBundle: String)
    /// Verified TLS against `caBundle` when the greeting offers TLS;
    /// plaintext, with a warning, only when it offers none.
    case opportunistic(caBundle: String)
    /// Plaintext, the user's explicit choice.
    case disabled

    /// What a session does, given what the greeting offered. There is no
    /// "TLS failed, try plaintext": once TLS is on offer, only a verified
    /// session may follow.
    public func session(greetingOffersTLS: Bool) -> TLSSession {
        switch (self, greetingOffersTLS) {
        case (.required, true), (.opportunistic, true): .verifiedTLS
        case (.required, false): .refuse
        case (.opportunistic, false): .plaintext(warn: true)
        case (.disabled, _): .plaintext(warn: false)
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
