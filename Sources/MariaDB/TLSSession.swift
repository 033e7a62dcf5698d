import Platform

extension SessionProtection {
    /// What a session does, given what the greeting offered. There is no
    /// "TLS failed, try plaintext": once TLS is on offer, only a verified
    /// session may follow. Pure, so the whole table is unit-tested.
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
