import CurlHTTP
import JSON
import LambdaRuntime
import Platform
import Testing

/// A Runtime API in memory: answers `next` from a queue and records posts.
final class FakeRuntimeAPI: HTTPTransport {
    var events: [(id: String, body: String, trace: String?)] = []
    var sent: [HTTPRequest] = []
    var failNextWith: HTTPError?

    func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        sent.append(request)
        if let error = failNextWith {
            failNextWith = nil
            throw error
        }
        if request.url.hasSuffix("/invocation/next") {
            guard !events.isEmpty else {
                throw HTTPError(kind: .connectionLost, host: "api", curlCode: 52, reason: "gone")
            }
            let event = events.removeFirst()
            var headers = [
                (name: "lambda-runtime-aws-request-id", value: event.id),
                (name: "lambda-runtime-deadline-ms", value: "1900000000000"),
                (name: "lambda-runtime-invoked-function-arn", value: "arn:aws:lambda:us-east-1:1:function:f"),
            ]
            if let trace = event.trace { headers.append((name: "lambda-runtime-trace-id", value: trace)) }
            return HTTPResponse(status: 200, headers: headers, body: Array(event.body.utf8))
        }
        return HTTPResponse(status: 202, headers: [], body: [])
    }

    func header(_ name: String, of request: HTTPRequest) -> String? {
        request.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

struct Failure: LambdaReportableError {
    var errorType = "InvalidSecret"
    var errorMessage = "secret x: missing key 'host'"
}

struct Opaque: Error {
    var secret = "do-not-show"
}

@Suite struct LambdaRuntimeClientTests {
    @Test func readsTheNextInvocation() throws {
        let api = FakeRuntimeAPI()
        api.events = [("req-1", #"{"a":1}"#, "Root=1-abc;Sampled=0")]
        let client = LambdaRuntimeClient(apiAddress: "127.0.0.1:9001", transport: api)
        let invocation = try client.nextInvocation()
        #expect(invocation.context.requestId == "req-1")
        #expect(invocation.context.deadline == Deadline(epochMilliseconds: 1_900_000_000_000))
        #expect(invocation.context.traceId == "Root=1-abc;Sampled=0")
        #expect(String(decoding: invocation.event, as: UTF8.self) == #"{"a":1}"#)
        let request = try #require(api.sent.first)
        #expect(request.url == "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next")
        #expect(request.method == "GET")
        #expect(request.totalTimeout == nil, "the long poll must not time out")
    }

    @Test func postsErrorsWithTheTypeHeaderAndBody() throws {
        let api = FakeRuntimeAPI()
        let client = LambdaRuntimeClient(apiAddress: "h:1", transport: api)
        try client.reportError(requestId: "r", errorType: "InvalidSecret", errorMessage: "missing key 'host'")
        let request = try #require(api.sent.first)
        #expect(request.url == "http://h:1/2018-06-01/runtime/invocation/r/error")
        #expect(api.header("Lambda-Runtime-Function-Error-Type", of: request) == "InvalidSecret")
        let body = try JSONValue(parsing: request.body)
        #expect(body["errorType"] == .string("InvalidSecret"))
        #expect(body["errorMessage"] == .string("missing key 'host'"))
    }

    @Test func postsInitErrors() throws {
        let api = FakeRuntimeAPI()
        let client = LambdaRuntimeClient(apiAddress: "h:1", transport: api)
        try client.reportInitError(errorType: "Configuration", errorMessage: "bad")
        #expect(api.sent.first?.url == "http://h:1/2018-06-01/runtime/init/error")
    }

    @Test func aFailedInvocationIsReportedAndTheNextIsServed() throws {
        let api = FakeRuntimeAPI()
        api.events = [("r1", "1", nil), ("r2", "2", "Root=1-x")]
        let client = LambdaRuntimeClient(apiAddress: "h:1", transport: api)
        let logger = LambdaLogger(json: false, minimumLevel: .fatal) { _ in }
        var handled: [String] = []
        for _ in 0..<2 {
            let invocation = try client.nextInvocation()
            Lambda.serve(invocation, client: client, logger: logger) { event, context in
                handled.append(context.requestId)
                if event == Array("1".utf8) { throw Failure() }
                return Array("ok".utf8)
            }
        }
        #expect(handled == ["r1", "r2"])
        let posts = api.sent.filter { $0.method == "POST" }.map(\.url)
        #expect(
            posts == [
                "http://h:1/2018-06-01/runtime/invocation/r1/error",
                "http://h:1/2018-06-01/runtime/invocation/r2/response",
            ])
        #expect(posts.count == 2)
    }

    @Test func anUndescribedErrorIsReportedWithoutItsContent() throws {
        let api = FakeRuntimeAPI()
        api.events = [("r1", "{}", nil)]
        let client = LambdaRuntimeClient(apiAddress: "h:1", transport: api)
        let logger = LambdaLogger(json: false, minimumLevel: .fatal) { _ in }
        Lambda.serve(try client.nextInvocation(), client: client, logger: logger) { _, _ in throw Opaque() }
        let body = String(decoding: api.sent.last!.body, as: UTF8.self)
        #expect(body.contains("Runtime.UnhandledError"))
        #expect(!body.contains("do-not-show"))
    }
}

@Suite struct LambdaLoggerTests {
    final class Lines: @unchecked Sendable { var all: [String] = [] }

    @Test func writesJSONLinesWhenAsked() throws {
        let lines = Lines()
        let logger = LambdaLogger(json: true, minimumLevel: .info) { lines.all.append($0) }
        logger.requestId = "r1"
        logger.log(.info, "step done", [("step", "createSecret"), ("durationMs", "12")])
        logger.log(.debug, "hidden")
        #expect(lines.all.count == 1)
        let line = try JSONValue(parsing: lines.all[0])
        #expect(line["level"] == .string("INFO"))
        #expect(line["message"] == .string("step done"))
        #expect(line["requestId"] == .string("r1"))
        #expect(line["step"] == .string("createSecret"))
        #expect(line["timestamp"]?.stringValue?.hasSuffix("Z") == true)
    }

    @Test func writesTextLinesByDefault() {
        let lines = Lines()
        let logger = LambdaLogger(json: false, minimumLevel: .warn) { lines.all.append($0) }
        logger.log(.info, "hidden")
        logger.log(.error, "step failed", [("step", "setSecret")])
        #expect(lines.all == ["ERROR step failed step=setSecret"])
    }

    @Test(arguments: [
        ("JSON", "DEBUG", true, LambdaLogger.Level.debug), ("Text", "", false, .info), ("json", "error", true, .error),
    ])
    func readsLambdasEnvironment(format: String, level: String, json: Bool, minimum: LambdaLogger.Level) {
        let logger = LambdaLogger(environment: ["AWS_LAMBDA_LOG_FORMAT": format, "AWS_LAMBDA_LOG_LEVEL": level])
        #expect(logger.json == json)
        #expect(logger.minimumLevel == minimum)
    }
}
