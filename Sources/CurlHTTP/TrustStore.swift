import Platform

/// Which CA certificates an HTTPS request trusts.
enum TrustStore: Equatable {
    case bundle(String)
    case directory(String)
    /// No system store found: curl's compiled-in default, which then fails the handshake.
    case curlDefault

    /// The system's store, looked up on the first HTTPS request rather than
    /// at start-up: the Runtime API is plain HTTP and must not wait for it.
    static let system: TrustStore = {
        if let directory = CABundle.systemDirectory { return .directory(directory) }
        if let bundle = CABundle.systemPath { return .bundle(bundle) }
        return .curlDefault
    }()
}
