import CurlHTTP
import JSON
import SecretsManager

/// A transport that answers from a script and keeps what it was sent.
final class FakeTransport: HTTPTransport {
    var replies: [Result<HTTPResponse, HTTPError>]
    private(set) var requests: [HTTPRequest] = []

    init(_ replies: [Result<HTTPResponse, HTTPError>]) {
        self.replies = replies
    }

    func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        requests.append(request)
        guard !replies.isEmpty else { return .json(500, ["__type": .string("TestScriptExhausted")]) }
        return try replies.removeFirst().get()
    }

    var targets: [String] {
        requests.map { $0.headers.first { $0.name == "X-Amz-Target" }?.value ?? "" }
    }
}

extension HTTPResponse {
    static func json(
        _ status: Int, _ body: JSONObject, headers: [(name: String, value: String)] = []
    )
        -> HTTPResponse
    {
        HTTPResponse(status: status, headers: headers, body: JSONValue.object(body).serializedBytes)
    }

    static func raw(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [], body: Array(body.utf8))
    }
}

extension HTTPError {
    static func of(_ kind: Kind, host: String = "fake.invalid") -> HTTPError {
        HTTPError(kind: kind, host: host, curlCode: 0, reason: "scripted \(kind)")
    }
}

/// Records the schedule instead of sleeping.
final class ScheduleRecorder {
    var sleeps: [Double] = []
    var randoms: [Double]

    init(randoms: [Double] = [1]) {
        self.randoms = randoms
    }

    var backoff: Backoff {
        Backoff(
            random: { self.randoms.count > 1 ? self.randoms.removeFirst() : self.randoms[0] },
            sleep: { self.sleeps.append($0) })
    }
}

let testCredentials = AWSCredentials(accessKeyId: "AKIDTEST", secretAccessKey: "test-secret-key")

func makeClient(
    _ transport: FakeTransport, maxAttempts: Int = 3, recorder: ScheduleRecorder = ScheduleRecorder()
)
    -> SecretsManagerClient
{
    SecretsManagerClient(
        region: "us-east-1", endpoint: "https://secretsmanager.us-east-1.amazonaws.com", credentials: testCredentials,
        transport: transport, maxAttempts: maxAttempts, backoff: recorder.backoff)
}
