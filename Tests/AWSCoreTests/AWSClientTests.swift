import CurlHTTP
import Platform
import TestSupport
import Testing

@testable import AWSCore

/// The one request loop, as both service clients use it.
@Suite struct AWSClientTests {
    func client(_ transport: ScriptedTransport, recorder: ScheduleRecorder = ScheduleRecorder()) -> AWSClient {
        AWSClient(
            region: "eu-west-1", service: "rds", endpoint: "https://RDS.eu-west-1.amazonaws.com",
            credentials: AWSCredentials(accessKeyId: "AKID", secretAccessKey: "key"), transport: transport,
            maxAttempts: 3, connectTimeout: 3, requestTimeout: 10,
            backoff: recorder.backoff)
    }

    func send(_ client: AWSClient, context: CallContext = .unbounded) throws(AWSClient.Failure) -> HTTPResponse {
        try client.send("Op", headers: [], body: [], context: context) { "HTTP\($0.status)" }
    }

    @Test func retriesWhatThePolicyRetriesWithFullJitterAndCountsIt() throws {
        let transport = ScriptedTransport([
            .success(HTTPResponse(status: 503, headers: [], body: [])),
            .failure(HTTPError(kind: .tls, host: "h", curlCode: 35, reason: "reset in the handshake")),
            .success(HTTPResponse(status: 200, headers: [], body: [])),
        ])
        let recorder = ScheduleRecorder()
        let client = client(transport, recorder: recorder)
        #expect(try send(client).status == 200)
        #expect(transport.requests.count == 3)
        #expect(recorder.sleeps == [1, 2])
        #expect(client.callCounts == ["Op": 3])
        #expect(client.retryCount == 2)
        #expect(transport.requests.allSatisfy { $0.url == "https://rds.eu-west-1.amazonaws.com/" })
    }

    @Test func anAnswerThePolicyDoesNotRetryIsTheFailureAtOnce() {
        let transport = ScriptedTransport([.success(HTTPResponse(status: 501, headers: [], body: []))])
        let failure = #expect(throws: AWSClient.Failure.self) { try send(client(transport)) }
        guard case .answered(let response, let code)? = failure?.last else {
            Issue.record("expected the answer, got \(String(describing: failure))")
            return
        }
        #expect(response.status == 501 && code == "HTTP501")
        #expect(failure?.mayHaveTakenEffect == true, "a 5xx may have done the work")
        #expect(transport.requests.count == 1)
    }

    @Test func noTimeLeftSendsNothing() {
        let transport = ScriptedTransport([.success(HTTPResponse(status: 200, headers: [], body: []))])
        let spent = CallContext(deadline: .after(seconds: 0.3))
        let failure = #expect(throws: AWSClient.Failure.self) { try send(client(transport), context: spent) }
        guard case .noTimeLeft? = failure?.last else {
            Issue.record("expected noTimeLeft, got \(String(describing: failure))")
            return
        }
        #expect(transport.requests.isEmpty)
    }

    @Test func theTraceGoesWithTheRequestOutsideTheSignature() throws {
        let transport = ScriptedTransport([.success(HTTPResponse(status: 200, headers: [], body: []))])
        _ = try send(client(transport), context: CallContext(deadline: nil, traceId: "Root=1-abc"))
        let request = try #require(transport.requests.first)
        #expect(request.headers.contains { $0.name == "X-Amzn-Trace-Id" && $0.value == "Root=1-abc" })
        let authorization = try #require(request.headers.first { $0.name == "Authorization" }?.value)
        #expect(!authorization.lowercased().contains("x-amzn-trace-id"))
    }

    @Test(arguments: [
        ("https://Secretsmanager.US-east-1.amazonaws.com", "https://secretsmanager.us-east-1.amazonaws.com/"),
        ("http://LOCALHOST:4566/", "http://localhost:4566/"),
        ("http://127.0.0.1:4566/Path?Q=1", "http://127.0.0.1:4566/Path?Q=1"),
    ])
    func theEndpointIsSentLowerCasedWithARootPath(_ endpoint: String, _ url: String) {
        #expect(EndpointURL(endpoint).url == url)
    }
}
