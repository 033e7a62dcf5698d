/// An endpoint's base URL as requests are sent to it.
public struct EndpointURL: Sendable, Equatable {
    /// The URL with its authority lower-cased, since curl sends the host as
    /// the URL spells it while the signer signs it lower-cased (as botocore
    /// does), and with a root path when it has none: both AWS protocols here
    /// take every operation at the root.
    public var url: String
    /// `host[:port]` as curl sends it in `Host`, for error messages.
    public var host: String

    public init(_ endpoint: String) {
        host = URLParts(endpoint).hostHeader
        guard let separator = endpoint.firstRange(of: "://") else {
            url = endpoint
            return
        }
        let rest = endpoint[separator.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let tail = rest[end...]
        url = endpoint[..<separator.upperBound] + rest[..<end].lowercased() + (tail.isEmpty ? "/" : tail)
    }
}
