public enum TLSMode: Sendable, Equatable {
    /// TLS or nothing: the server certificate must chain to `caBundle` and name
    /// the host that was dialled.
    case required(caBundle: String)
    /// TLS when the server offers it, plaintext otherwise. With a bundle the
    /// chain is checked (not the host name); a handshake that fails that check
    /// falls back to plaintext, so callers must look at `tlsCipher` and warn.
    case preferred(caBundle: String?)
    /// Plaintext, even when the server offers TLS.
    case disabled
}

extension TLSMode: CustomStringConvertible {
    public var description: String {
        switch self {
        case .required: "required"
        case .preferred: "preferred"
        case .disabled: "disabled"
        }
    }
}
