import CurlHTTP
import Platform

/// One AWS endpoint's requests: signed with SigV4, retried by `RetryPolicy`
/// with `Backoff`'s full jitter, each attempt bounded by the call's
/// `CallContext`, and counted. The service clients (Secrets Manager's JSON
/// 1.1, RDS's Query API) build the body and read the answer; this sends it.
///
/// One client per endpoint: it owns one transport, whose connection stays
/// open between calls. Not for use from two threads at once.
public final class AWSClient {
    public let region: String
    /// The base URL as configured, e.g. `https://secretsmanager.us-east-1.amazonaws.com`.
    public let endpoint: String
    /// `host[:port]` of the endpoint, for error messages.
    public let host: String
    public var credentials: AWSCredentials {
        get { signer.credentials }
        set { signer.credentials = newValue }
    }
    public var maxAttempts: Int
    public var connectTimeout: Double
    public var requestTimeout: Double
    public var backoff: Backoff

    /// HTTP requests sent per operation, retries included.
    public private(set) var callCounts: [String: Int] = [:]
    /// Requests that were second or later attempts of a call.
    public private(set) var retryCount = 0

    public let transport: any HTTPTransport
    public private(set) var signer: SigV4Signer
    let url: String

    public init(
        region: String, service: String, endpoint: String, credentials: AWSCredentials,
        transport: any HTTPTransport, maxAttempts: Int, connectTimeout: Double, requestTimeout: Double,
        backoff: Backoff
    ) {
        let target = EndpointURL(endpoint)
        self.region = region
        self.endpoint = endpoint
        self.host = target.host
        self.url = target.url
        self.signer = SigV4Signer(region: region, service: service, credentials: credentials)
        self.transport = transport
        self.maxAttempts = maxAttempts
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.backoff = backoff
    }

    /// Why a call failed: the last attempt's outcome, and whether any
    /// attempt's outcome is unknown (the service may have done the work).
    public struct Failure: Error {
        public enum Last: Sendable {
            /// The service answered with an error; `code` as the protocol reads it.
            case answered(HTTPResponse, code: String)
            case transport(HTTPError)
            /// No time was left for a first attempt.
            case noTimeLeft
        }

        public var last: Last
        public var mayHaveTakenEffect: Bool
    }

    /// Sends the first attempt now and returns what waits for its answer and
    /// makes the retries; the answer is a 2xx response. `errorCode` reads a
    /// service's error code from an error answer (its protocol's business),
    /// which `RetryPolicy` judges with the status.
    public func start(
        _ operation: String, headers: [(name: String, value: String)], body: [UInt8], context: CallContext,
        errorCode: @escaping (HTTPResponse) -> String
    ) -> () throws(Failure) -> HTTPResponse {
        let first = Result { () throws(Failure) in
            try send(operation, headers, body, attempt: 1, context: context, last: nil, outcomeUnknown: false)
        }
        return { () throws(Failure) in
            var last: Failure.Last?
            var outcomeUnknown = false
            for attempt in 1...max(1, self.maxAttempts) {
                let exchange: PendingResponse
                if let failed = last {
                    let delay = self.backoff.delay(afterAttempt: attempt - 1)
                    if delay + CallContext.minimumAttemptSeconds > context.secondsLeft(keeping: .request) {
                        throw Failure(last: failed, mayHaveTakenEffect: outcomeUnknown)
                    }
                    self.backoff.sleep(delay)
                    exchange = try self.send(
                        operation, headers, body, attempt: attempt, context: context, last: failed,
                        outcomeUnknown: outcomeUnknown)
                } else {
                    exchange = try first.get()
                }

                let retryable: Bool
                switch Result(catching: { () throws(HTTPError) in try exchange.wait() }) {
                case .success(let response) where (200..<300).contains(response.status):
                    return response
                case .success(let response):
                    let code = errorCode(response)
                    last = .answered(response, code: code)
                    retryable = RetryPolicy.retries(code: code, status: response.status)
                    if RetryPolicy.mayHaveTakenEffect(status: response.status) { outcomeUnknown = true }
                case .failure(let error):
                    last = .transport(error)
                    retryable = RetryPolicy.retries(error)
                    if RetryPolicy.mayHaveTakenEffect(error) { outcomeUnknown = true }
                }
                guard retryable else { throw Failure(last: last!, mayHaveTakenEffect: outcomeUnknown) }
            }
            throw Failure(last: last!, mayHaveTakenEffect: outcomeUnknown)
        }
    }

    /// The same, waiting for the answer.
    public func send(
        _ operation: String, headers: [(name: String, value: String)], body: [UInt8], context: CallContext,
        errorCode: @escaping (HTTPResponse) -> String
    ) throws(Failure) -> HTTPResponse {
        try start(operation, headers: headers, body: body, context: context, errorCode: errorCode)()
    }

    /// Signs and starts one attempt, its timeouts cut to what the deadline leaves.
    private func send(
        _ operation: String, _ headers: [(name: String, value: String)], _ body: [UInt8], attempt: Int,
        context: CallContext, last: Failure.Last?, outcomeUnknown: Bool
    ) throws(Failure) -> PendingResponse {
        let left = context.secondsLeft(keeping: .request)
        guard left > 0 else { throw Failure(last: last ?? .noTimeLeft, mayHaveTakenEffect: outcomeUnknown) }
        var request = HTTPRequest(
            method: "POST", url: url, headers: headers, body: body, connectTimeout: min(connectTimeout, left),
            totalTimeout: min(requestTimeout, left))
        // Left out of the signature, as the SDKs leave it: X-Ray may rewrite it on the way.
        if let trace = context.traceId, !trace.isEmpty {
            request.headers.append((name: "X-Amzn-Trace-Id", value: trace))
        }
        signer.sign(&request, at: WallClock.nowMilliseconds() / 1000)
        callCounts[operation, default: 0] += 1
        if attempt > 1 { retryCount += 1 }
        return transport.start(request)
    }
}
