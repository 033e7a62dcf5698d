import CurlHTTP
import JSON

/// A transport that answers from a script and keeps what it was sent.
public final class ScriptedTransport: HTTPTransport {
    public var replies: [Result<HTTPResponse, HTTPError>]
    public private(set) var requests: [HTTPRequest] = []
    /// The answer once the script has run out: a 500 the client under test
    /// can only fail on, never a success it was not scripted to get.
    public var whenExhausted: HTTPResponse

    public init(_ replies: [Result<HTTPResponse, HTTPError>]) {
        self.replies = replies
        whenExhausted = .json(500, ["__type": .string("TestScriptExhausted")])
    }

    /// A script of answers only, for clients whose replies are not JSON.
    @_disfavoredOverload
    public init(_ replies: [HTTPResponse]) {
        self.replies = replies.map { .success($0) }
        whenExhausted = HTTPResponse(status: 500, headers: [], body: [])
    }

    public func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        requests.append(request)
        guard !replies.isEmpty else { return whenExhausted }
        return try replies.removeFirst().get()
    }

    /// The X-Amz-Target of each request (JSON 1.1 APIs), in order.
    public var targets: [String] {
        requests.map { $0.headers.first { $0.name == "X-Amz-Target" }?.value ?? "" }
    }
}

extension HTTPResponse {
    public static func json(
        _ status: Int, _ body: JSONObject, headers: [(name: String, value: String)] = []
    )
        -> HTTPResponse
    {
        HTTPResponse(status: status, headers: headers, body: JSONValue.object(body).serializedBytes)
    }

    public static func raw(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [], body: Array(body.utf8))
    }
}

extension HTTPError {
    public static func of(_ kind: Kind, host: String = "fake.invalid") -> HTTPError {
        HTTPError(kind: kind, host: host, curlCode: 0, reason: "scripted \(kind)")
    }
}
