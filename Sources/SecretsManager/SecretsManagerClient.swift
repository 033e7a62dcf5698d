import CurlHTTP
import JSON
import Platform

/// A synchronous Secrets Manager client over the JSON 1.1 protocol.
///
/// One client per endpoint: it owns one transport, whose connection stays
/// open between calls. Every call is signed anew, bounded by `deadline`, and
/// retried the way the AWS SDKs' "standard" mode does. Not for use from two
/// threads at once.
public final class SecretsManagerClient {
    public let region: String
    /// The base URL requests go to, e.g. `https://secretsmanager.us-east-1.amazonaws.com`.
    public let endpoint: String
    /// `host[:port]` of the endpoint, for error messages.
    public let host: String
    public var credentials: AWSCredentials {
        get { signer.credentials }
        set { signer.credentials = newValue }
    }

    /// When the invocation must be done. Each attempt's timeouts shrink to
    /// fit what is left of it, less `safetyMargin`, and no attempt or
    /// backoff starts that could not finish in time.
    public var deadline: Deadline?
    /// Seconds kept back from the deadline so that a failure can still be reported.
    public var safetyMargin: Double = 0.5
    /// An attempt with less time than this left is not worth starting after a backoff.
    public var minimumAttemptSeconds: Double = 0.25

    public var maxAttempts: Int
    public var connectTimeout: Double
    public var requestTimeout: Double
    public var backoff: Backoff

    /// HTTP requests sent per operation, retries included.
    public private(set) var callCounts: [String: Int] = [:]

    let transport: any HTTPTransport
    var signer: SigV4Signer
    private let url: String

    /// - Parameters:
    ///   - endpoint: Base URL; `nil` means `https://secretsmanager.<region>.amazonaws.com`.
    ///   - caBundle: CA certificates for HTTPS; `nil` finds the system bundle.
    ///   - maxAttempts: Attempts per call, the first included.
    public convenience init(
        region: String, endpoint: String? = nil, credentials: AWSCredentials, caBundle: String? = nil,
        maxAttempts: Int = 3, connectTimeout: Double = 3, requestTimeout: Double = 10
    ) {
        self.init(
            region: region, endpoint: endpoint, credentials: credentials, transport: HTTPClient(caBundle: caBundle),
            maxAttempts: maxAttempts, connectTimeout: connectTimeout, requestTimeout: requestTimeout)
    }

    /// The same, over any transport; tests pass a scripted one and a `Backoff` that does not sleep.
    public init(
        region: String, endpoint: String? = nil, credentials: AWSCredentials, transport: any HTTPTransport,
        maxAttempts: Int = 3, connectTimeout: Double = 3, requestTimeout: Double = 10, backoff: Backoff = .live
    ) {
        let endpoint = endpoint ?? "https://secretsmanager.\(region).amazonaws.com"
        let parts = URLParts(endpoint)
        self.region = region
        self.endpoint = endpoint
        self.host = parts.hostHeader
        // JSON 1.1 services take every operation at the root.
        self.url = Self.lowercasingAuthority(parts.path.isEmpty && parts.query.isEmpty ? endpoint + "/" : endpoint)
        self.signer = SigV4Signer(region: region, service: "secretsmanager", credentials: credentials)
        self.transport = transport
        self.maxAttempts = maxAttempts
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.backoff = backoff
    }

    /// Sends one signed operation and returns the response's JSON object,
    /// retrying what is worth retrying. The named operations are built on it;
    /// it is public so tests can set up state with operations this client
    /// has no method for (`CreateSecret`, `DeleteSecret`).
    public func call(_ operation: String, _ body: JSONObject) throws(SecretsManagerError) -> JSONValue {
        try start(operation, body).result()
    }

    /// The same, with the first attempt sent now and the answer (and any
    /// retries) collected by `result()`: the round trip overlaps whatever
    /// the caller does in between.
    public func start(_ operation: String, _ body: JSONObject) -> PendingCall {
        let payload = JSONValue.object(body).serializedBytes
        // The secret sent must not come back in an error message.
        let sensitive = ["SecretString", "SecretBinary"].compactMap { body[$0]?.stringValue }.filter { !$0.isEmpty }
        let first = Result { () throws(SecretsManagerError) in try send(operation, payload, after: nil) }

        return PendingCall { () throws(SecretsManagerError) in
            var lastError: SecretsManagerError?
            for attempt in 1...max(1, self.maxAttempts) {
                let exchange: PendingResponse
                if let lastError {
                    let delay = self.backoff.delay(afterAttempt: attempt - 1)
                    if let deadline = self.deadline,
                        delay + self.minimumAttemptSeconds > deadline.remainingSeconds(margin: self.safetyMargin)
                    {
                        throw lastError
                    }
                    self.backoff.sleep(delay)
                    exchange = try self.send(operation, payload, after: lastError)
                } else {
                    exchange = try first.get()
                }

                let failure: SecretsManagerError
                switch Result(catching: { () throws(HTTPError) in try exchange.wait() }) {
                case .success(let response) where (200..<300).contains(response.status):
                    return try self.parseResult(operation, response)
                case .success(let response):
                    failure = self.serviceError(operation, response, scrubbing: sensitive)
                case .failure(let error):
                    failure = .transport(operation: operation, error)
                }
                guard failure.isRetryable else { throw failure }
                lastError = failure
            }
            throw lastError!
        }
    }

    /// Signs and starts one attempt, its timeouts cut to what the deadline leaves.
    private func send(_ operation: String, _ payload: [UInt8], after lastError: SecretsManagerError?)
        throws(SecretsManagerError) -> PendingResponse
    {
        var connectLimit = connectTimeout
        var totalLimit = requestTimeout
        if let deadline {
            let left = deadline.remainingSeconds(margin: safetyMargin)
            guard left > 0 else { throw lastError ?? .deadlineExceeded(operation: operation, host: host) }
            connectLimit = min(connectLimit, left)
            totalLimit = min(totalLimit, left)
        }

        var request = HTTPRequest(
            method: "POST", url: url,
            headers: [
                (name: "Content-Type", value: "application/x-amz-json-1.1"),
                (name: "X-Amz-Target", value: "secretsmanager.\(operation)"),
            ],
            body: payload, connectTimeout: connectLimit, totalTimeout: totalLimit)
        signer.sign(&request, at: WallClock.nowMilliseconds() / 1000)
        callCounts[operation, default: 0] += 1
        return transport.start(request)
    }

    /// curl sends the host as the URL spells it, while the signer signs it
    /// lower-cased, as botocore does; a lower-cased URL makes the two agree.
    static func lowercasingAuthority(_ url: String) -> String {
        guard let separator = url.firstRange(of: "://") else { return url }
        let rest = url[separator.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        return url[..<authorityEnd].lowercased() + url[authorityEnd...]
    }

    private func parseResult(_ operation: String, _ response: HTTPResponse) throws(SecretsManagerError) -> JSONValue {
        guard !response.body.isEmpty else { return .object([:]) }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: response.body)
        } catch {
            throw .invalidResponse(operation: operation, reason: "the body is not JSON (\(error))", host: host)
        }
        guard case .object = value else {
            throw .invalidResponse(operation: operation, reason: "the body is a \(value.typeName), not an object", host: host)
        }
        return value
    }

    /// Reads the error code as botocore does: the body's `__type` without
    /// its namespace, else the `x-amzn-ErrorType` header, else the status.
    private func serviceError(_ operation: String, _ response: HTTPResponse, scrubbing sensitive: [String])
        -> SecretsManagerError
    {
        let body = try? JSONValue(parsing: response.body)
        var type = body?["__type"]?.stringValue ?? response.header("x-amzn-errortype") ?? ""
        if let hash = type.lastIndex(of: "#") { type = String(type[type.index(after: hash)...]) }
        if let colon = type.firstIndex(of: ":") { type = String(type[..<colon]) }
        if type.isEmpty { type = "HTTP\(response.status)" }

        var message = (body?["message"] ?? body?["Message"])?.stringValue
        for secret in sensitive {
            message = message?.replacing(secret, with: "<redacted>")
        }
        if let text = message, text.count > 300 { message = String(text.prefix(300)) + "…" }
        return .service(operation: operation, type: type, message: message, status: response.status, host: host)
    }
}

/// A Secrets Manager operation whose first attempt is on its way.
/// `result()` waits for it, makes any retries, and gives the same answer
/// when called again.
public final class PendingCall {
    private var finish: (() throws(SecretsManagerError) -> JSONValue)?
    private var outcome: Result<JSONValue, SecretsManagerError>?

    init(_ finish: @escaping () throws(SecretsManagerError) -> JSONValue) {
        self.finish = finish
    }

    public func result() throws(SecretsManagerError) -> JSONValue {
        if outcome == nil, let finish {
            outcome = Result { () throws(SecretsManagerError) in try finish() }
            self.finish = nil
        }
        return try outcome!.get()
    }
}
