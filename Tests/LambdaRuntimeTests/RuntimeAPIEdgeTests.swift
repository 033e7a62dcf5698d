import CurlHTTP
import JSON
import LambdaRuntime
import Testing

/// A Runtime API that answers `next` with given headers and each post with a given status.
final class ScriptedRuntimeAPI: HTTPTransport {
    var nextHeaders: [(name: String, value: String)]
    var responseStatus = 202
    var sent: [HTTPRequest] = []

    init(nextHeaders: [(name: String, value: String)]) {
        self.nextHeaders = nextHeaders
    }

    func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        sent.append(request)
        if request.url.hasSuffix("/invocation/next") {
            return HTTPResponse(status: 200, headers: nextHeaders, body: Array("{}".utf8))
        }
        if request.url.hasSuffix("/response") {
            return HTTPResponse(status: responseStatus, headers: [], body: [])
        }
        return HTTPResponse(status: 202, headers: [], body: [])
    }

    var posts: [HTTPRequest] { sent.filter { $0.method == "POST" } }
}

@Suite struct RuntimeAPIEdgeTests {
    var silent: LambdaLogger { LambdaLogger(json: false, minimumLevel: .fatal) { _ in } }
    static let id = (name: "lambda-runtime-aws-request-id", value: "req-1")
    static let deadline = (name: "lambda-runtime-deadline-ms", value: "1900000000000")

    func serveOne(_ api: ScriptedRuntimeAPI, handled: inout Int) throws(LambdaRuntimeError) {
        let client = LambdaRuntimeClient(apiAddress: "h:1", transport: api)
        var count = 0
        try Lambda.serveNext(client: client, logger: silent) { _, _ in
            count += 1
            return Array("{}".utf8)
        }
        handled = count
    }

    @Test(arguments: [nil, "", "soon", "12.5"])
    func anInvocationWithoutAUsableDeadlineIsFailedAtOnce(_ deadline: String?) throws {
        var headers = [Self.id]
        if let deadline { headers.append((name: "lambda-runtime-deadline-ms", value: deadline)) }
        let api = ScriptedRuntimeAPI(nextHeaders: headers)
        var handled = -1
        try serveOne(api, handled: &handled)
        #expect(handled == 0, "the handler must not run without a deadline")
        let post = try #require(api.posts.first)
        #expect(api.posts.count == 1)
        #expect(post.url == "http://h:1/2018-06-01/runtime/invocation/req-1/error")
        let body = try JSONValue(parsing: post.body)
        #expect(body["errorType"] == .string("Runtime.InvalidInvocation"))
        #expect(body["errorMessage"]?.stringValue?.contains("Lambda-Runtime-Deadline-Ms") == true)
    }

    @Test func withoutARequestIdNothingCanBePostedAndTheCallerIsTold() {
        let api = ScriptedRuntimeAPI(nextHeaders: [Self.deadline])
        var handled = -1
        #expect(throws: LambdaRuntimeError.self) { try serveOne(api, handled: &handled) }
        #expect(api.posts.isEmpty)
    }

    @Test(arguments: [413, 400, 500])
    func aRefusedResponseIsFollowedByAnError(_ status: Int) throws {
        let api = ScriptedRuntimeAPI(nextHeaders: [Self.id, Self.deadline])
        api.responseStatus = status
        var handled = -1
        try serveOne(api, handled: &handled)
        #expect(handled == 1)
        #expect(
            api.posts.map(\.url) == [
                "http://h:1/2018-06-01/runtime/invocation/req-1/response",
                "http://h:1/2018-06-01/runtime/invocation/req-1/error",
            ])
        let body = try JSONValue(parsing: api.posts[1].body)
        #expect(body["errorType"] == .string("Runtime.ResponseNotAccepted"))
        #expect(body["errorMessage"]?.stringValue?.contains("HTTP \(status)") == true)
    }

    @Test func anAcceptedResponseIsAllThatIsPosted() throws {
        let api = ScriptedRuntimeAPI(nextHeaders: [Self.id, Self.deadline])
        var handled = -1
        try serveOne(api, handled: &handled)
        #expect(api.posts.map(\.url) == ["http://h:1/2018-06-01/runtime/invocation/req-1/response"])
    }

    @Test func anErrorTypeCannotAddAHeaderLine() throws {
        let api = ScriptedRuntimeAPI(nextHeaders: [])
        let client = LambdaRuntimeClient(apiAddress: "h:1", transport: api)
        try client.reportError(requestId: "r", errorType: "Bad\r\nX-Injected: 1\u{7F}\t", errorMessage: "m")
        let post = try #require(api.posts.first)
        let header = try #require(post.headers.first { $0.name == "Lambda-Runtime-Function-Error-Type" }?.value)
        #expect(!header.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        #expect(header == "Bad  X-Injected: 1  ")
        #expect(try JSONValue(parsing: post.body)["errorType"] == .string(header), "body and header agree")
    }

    @Test(arguments: [("a/b", "a%2Fb"), ("r 1\r\n", "r%201%0D%0A"), ("8f3c-AZ_z.~", "8f3c-AZ_z.~")])
    func aRequestIdStaysOnePathSegment(_ id: String, _ encoded: String) throws {
        let api = ScriptedRuntimeAPI(nextHeaders: [])
        let client = LambdaRuntimeClient(apiAddress: "h:1", transport: api)
        try client.reportError(requestId: id, errorType: "T", errorMessage: "m")
        try client.reportResponse(requestId: id, body: [])
        #expect(
            api.posts.map(\.url) == [
                "http://h:1/2018-06-01/runtime/invocation/\(encoded)/error",
                "http://h:1/2018-06-01/runtime/invocation/\(encoded)/response",
            ])
    }

    @Test(arguments: [
        ("a\rb\nc", "a b c"), ("tab\there", "tab here"), ("\u{0}\u{1F}x\u{7F}", "  x "), ("café ✓", "café ✓"),
    ])
    func headerValuesLoseEveryControlCharacter(_ value: String, _ expected: String) {
        #expect(HTTPRequest.headerSafe(value) == expected)
    }
}

@Suite struct TextLogLineTests {
    final class Lines: @unchecked Sendable { var all: [String] = [] }

    @Test func aValueWithLineEndsStaysOnItsLine() {
        let lines = Lines()
        let logger = LambdaLogger(json: false, minimumLevel: .info) { lines.all.append($0) }
        logger.requestId = "r\n1"
        logger.log(.error, "step\rfailed", [("error", "Access denied\nINFO step done forged=1"), ("path", #"C:\x"#)])
        #expect(lines.all.count == 1)
        let line = lines.all[0]
        #expect(!line.contains("\n") && !line.contains("\r"))
        #expect(line == #"r\n1 ERROR step\rfailed error=Access denied\nINFO step done forged=1 path=C:\\x"#)
    }

    @Test func otherControlCharactersAreEscapedToo() {
        let lines = Lines()
        let logger = LambdaLogger(json: false, minimumLevel: .info) { lines.all.append($0) }
        logger.log(.info, "m", [("v", "a\u{0}b\u{1B}c\td\u{7F}")])
        #expect(lines.all == [#"INFO m v=a\u0000b\u001Bc\td\u007F"#])
    }

    @Test func ordinaryTextIsUnchanged() {
        let lines = Lines()
        let logger = LambdaLogger(json: false, minimumLevel: .info) { lines.all.append($0) }
        logger.log(.info, "step done", [("outcome", "pending password logs in; nothing to do ✓")])
        #expect(lines.all == ["INFO step done outcome=pending password logs in; nothing to do ✓"])
    }
}
