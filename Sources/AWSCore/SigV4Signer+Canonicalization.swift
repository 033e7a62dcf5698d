import Cryptography
import CurlHTTP

extension SigV4Signer {
    /// Hop-by-hop and proxy-rewritten headers, which botocore never signs
    /// because something between us and AWS may change them.
    static let unsignedHeaders: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    struct CanonicalRequest {
        var text: String
        var signedHeaders: String
    }

    func canonicalRequest(_ request: HTTPRequest) -> CanonicalRequest {
        let url = URLParts(request.url)

        // Values of a repeated header are joined with commas, in the order sent.
        var names: [String] = []
        var values: [String: [String]] = [:]
        for header in request.headers {
            let name = header.name.lowercased()
            guard !Self.unsignedHeaders.contains(name) else { continue }
            if values[name] == nil { names.append(name) }
            values[name, default: []].append(Self.trimAll(header.value))
        }
        if values["host"] == nil {
            names.append("host")
            values["host"] = [url.hostHeader]
        }
        names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let canonicalHeaders = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")

        let payloadHash =
            request.headers.first { $0.name.lowercased() == "x-amz-content-sha256" }?.value
            ?? Digest.hex(Digest.sha256(request.body))

        let text = [
            request.method.uppercased(),
            Self.canonicalPath(url.path),
            Self.canonicalQuery(url.query),
            canonicalHeaders,
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        return CanonicalRequest(text: text, signedHeaders: signedHeaders)
    }

    /// Trims the value and collapses each run of whitespace to one space.
    static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: {
            $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}"
        })
        .joined(separator: " ")
    }

    /// Dot segments and empty segments removed, then every byte but the
    /// unreserved ones and `/` percent-encoded. The path is encoded as it
    /// appears in the URL, so an escape already there is encoded again:
    /// that double encoding is what every service but S3 expects.
    static func canonicalPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": if !segments.isEmpty { segments.removeLast() }
            default: segments.append(segment)
            }
        }
        var normalized = path.hasPrefix("/") ? "/" : ""
        normalized += segments.joined(separator: "/")
        if path.hasSuffix("/") && !segments.isEmpty { normalized += "/" }
        return PercentEncoding.encode(normalized, keeping: UInt8(ascii: "/"))
    }

    /// Each name and value decoded, re-encoded the RFC 3986 way, and the
    /// pairs sorted by name, then value, byte for byte.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentEncoding.encode(PercentEncoding.decode(parts[0]))
            let value = parts.count > 1 ? PercentEncoding.encode(PercentEncoding.decode(parts[1])) : ""
            return (name, value)
        }
        return pairs.sorted { lhs, rhs in
            lhs.0 != rhs.0
                ? Array(lhs.0.utf8).lexicographicallyPrecedes(Array(rhs.0.utf8))
                : Array(lhs.1.utf8).lexicographicallyPrecedes(Array(rhs.1.utf8))
        }
        .map { "\($0.0)=\($0.1)" }
        .joined(separator: "&")
    }
}

/// The pieces of an absolute URL that signing needs. Only what curl sends
/// matters, so this is no general URL parser: no validation, no decoding.
public struct URLParts {
    public var scheme: String
    /// Lower-cased; an IPv6 literal keeps its brackets.
    public var host: String
    public var port: Int?
    public var path: String
    public var query: String

    public init(_ url: String) {
        var rest = Substring(url)
        if let separator = rest.firstRange(of: "://") {
            scheme = rest[..<separator.lowerBound].lowercased()
            rest = rest[separator.upperBound...]
        } else {
            scheme = ""
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var target = rest[authorityEnd...]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }

        var portText: Substring = ""
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[...close].lowercased()
            let afterHost = authority[authority.index(after: close)...]
            if afterHost.hasPrefix(":") { portText = afterHost.dropFirst() }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon].lowercased()
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority.lowercased()
        }
        port = Int(portText)

        if let question = target.firstIndex(of: "?") {
            query = String(target[target.index(after: question)...])
            target = target[..<question]
        } else {
            query = ""
        }
        path = String(target)
    }

    /// What curl puts in `Host`: the port only when it is not the scheme's default.
    public var hostHeader: String {
        let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
        guard let port, port != defaultPort else { return host }
        return "\(host):\(port)"
    }
}
