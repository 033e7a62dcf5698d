import AWSCore
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

    /// HTTP requests sent per operation, retries included, by this client
    /// and the ones it made for other regions.
    public var callCounts: [String: Int] {
        otherRegions.values.reduce(into: ownCallCounts) { total, client in
            total.merge(client.callCounts, uniquingKeysWith: +)
        }
    }
    private var ownCallCounts: [String: Int] = [:]

    /// Endpoints for regions other than `region` (see `client(forSecret:)`).
    public var regionalEndpoints: [String: String] = [:]
    private var otherRegions: [String: SecretsManagerClient] = [:]
    private let makeTransport: () -> any HTTPTransport
    /// Requests that were second or later attempts of a call.
    public var retryCount: Int { otherRegions.values.reduce(ownRetryCount) { $0 + $1.retryCount } }
    private var ownRetryCount = 0
    /// Lambda's `X-Amzn-Trace-Id` for the current invocation, sent with every
    /// request so X-Ray links the calls to it (and left out of the signature,
    /// as the SDKs leave it, since X-Ray may rewrite it on the way).
    public var traceHeader: String?

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
            maxAttempts: maxAttempts, connectTimeout: connectTimeout, requestTimeout: requestTimeout,
            makeTransport: { HTTPClient(caBundle: caBundle) })
    }

    /// The same, over any transport; tests pass a scripted one and a `Backoff` that does not sleep.
    public init(
        region: String, endpoint: String? = nil, credentials: AWSCredentials, transport: any HTTPTransport,
        maxAttempts: Int = 3, connectTimeout: Double = 3, requestTimeout: Double = 10, backoff: Backoff = .live,
        makeTransport: (() -> any HTTPTransport)? = nil
    ) {
        // `.invalid` never resolves (RFC 2606): an unknown region reaches nobody.
        let endpoint = endpoint ?? SecretsManagerEndpoint.regionalDefault(region) ?? "https://secretsmanager.invalid"
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
        // Tests script one transport for every region.
        self.makeTransport = makeTransport ?? { transport }
    }

    /// The client for the region a secret lives in: this one for a name or an
    /// ARN of this region, else one made for the ARN's region (and kept),
    /// sharing this client's credentials, deadline and retry settings.
    /// `SECRETS_MANAGER_ENDPOINT` serves the function's own region only; another
    /// region uses `regionalEndpoints`' entry, else its regional default.
    /// Credentials do not cross partitions: such an ARN is refused, by name.
    public func client(
        forSecret secretId: String, operation: String
    ) throws(SecretsManagerError) -> SecretsManagerClient {
        guard let arn = SecretARN(secretId), arn.region != region else { return self }
        let ownPartition = SecretsManagerEndpoint.partition(ofRegion: region)
        // The region must be one of a known partition, and the ARN's
        // partition that one (SecretARN+Checks.swift), before any URL is made.
        try arn.check(operation: operation)
        guard arn.partition == ownPartition else {
            throw .otherPartition(
                operation: operation, secretId: secretId, partition: arn.partition, functionRegion: region,
                functionPartition: ownPartition)
        }
        let other =
            otherRegions[arn.region]
            ?? SecretsManagerClient(
                region: arn.region,
                endpoint: regionalEndpoints[arn.region] ?? SecretsManagerEndpoint.regionalDefault(arn.region)
                    ?? "https://secretsmanager.invalid",
                credentials: credentials, transport: makeTransport(), maxAttempts: maxAttempts,
                connectTimeout: connectTimeout, requestTimeout: requestTimeout, backoff: backoff)
        other.credentials = credentials
        other.deadline = deadline
        other.traceHeader = traceHeader
        other.safetyMargin = safetyMargin
        other.minimumAttemptSeconds = minimumAttemptSeconds
        other.maxAttempts = maxAttempts
        otherRegions[arn.region] = other
        return other
    }

    /// Sends one signed operation and returns the response's JSON object,
    /// retrying what is worth retrying. The named operations are built on it;
    /// it is public so tests can set up state with operations this client
    /// has no method for (`CreateSecret`, `DeleteSecret`).
    ///
    /// `confirm`, for a write: when an attempt's answer was lost (a timeout,
    /// a reset, a 5xx), the service may have done the write anyway, and a
    /// retry then meets its own result ("stage not on that version"). If the
    /// call fails after such an attempt, `confirm` reads the state back;
    /// `true` (already as asked) is success.
    public func call(
        _ operation: String, _ body: JSONObject, confirm: (() throws(SecretsManagerError) -> Bool)? = nil
    ) throws(SecretsManagerError) -> JSONValue {
        do {
            return try attempts(operation, body)()
        } catch let failure {
            guard let confirm, failure.mayHaveTakenEffect else { throw failure.error }
            // A read-back that fails too leaves the write's own error the one to report.
            if (try? confirm()) == true { return .object([:]) }
            throw failure.error
        }
    }

    /// A read with its first attempt sent now and the answer (and any
    /// retries) collected by `result()`: the round trip overlaps whatever
    /// the caller does in between.
    public func start(_ operation: String, _ body: JSONObject) -> PendingCall {
        let finish = attempts(operation, body)
        return PendingCall { () throws(SecretsManagerError) in
            do throws(Failure) {
                return try finish()
            } catch let failure {
                throw failure.error
            }
        }
    }

    /// The error to report, and whether some attempt's outcome is unknown.
    struct Failure: Error {
        var error: SecretsManagerError
        var mayHaveTakenEffect: Bool
    }

    /// Sends the first attempt now; the closure waits for it and makes the retries.
    private func attempts(_ operation: String, _ body: JSONObject) -> () throws(Failure) -> JSONValue {
        let payload = JSONValue.object(body).serializedBytes
        // The secret sent must not come back in an error message.
        let sensitive = ["SecretString", "SecretBinary"].compactMap { body[$0]?.stringValue }.filter { !$0.isEmpty }
        let first = Result { () throws(Failure) in
            try send(operation, payload, attempt: 1, lastError: nil, outcomeUnknown: false)
        }

        return { () throws(Failure) in
            var lastError: SecretsManagerError?
            var outcomeUnknown = false
            for attempt in 1...max(1, self.maxAttempts) {
                let exchange: PendingResponse
                if let lastError {
                    let delay = self.backoff.delay(afterAttempt: attempt - 1)
                    if let deadline = self.deadline,
                        delay + self.minimumAttemptSeconds > deadline.remainingSeconds(margin: self.safetyMargin)
                    {
                        throw Failure(error: lastError, mayHaveTakenEffect: outcomeUnknown)
                    }
                    self.backoff.sleep(delay)
                    exchange = try self.send(
                        operation, payload, attempt: attempt, lastError: lastError, outcomeUnknown: outcomeUnknown)
                } else {
                    exchange = try first.get()
                }

                let failure: SecretsManagerError
                switch Result(catching: { () throws(HTTPError) in try exchange.wait() }) {
                case .success(let response) where (200..<300).contains(response.status):
                    do throws(SecretsManagerError) {
                        return try self.parseResult(operation, response)
                    } catch {
                        throw Failure(error: error, mayHaveTakenEffect: true)
                    }
                case .success(let response):
                    failure = self.serviceError(operation, response, scrubbing: sensitive)
                case .failure(let error):
                    failure = .transport(operation: operation, error)
                }
                if failure.outcomeUnknown { outcomeUnknown = true }
                guard failure.isRetryable else { throw Failure(error: failure, mayHaveTakenEffect: outcomeUnknown) }
                lastError = failure
            }
            throw Failure(error: lastError!, mayHaveTakenEffect: outcomeUnknown)
        }
    }

    /// Signs and starts one attempt, its timeouts cut to what the deadline leaves.
    private func send(
        _ operation: String, _ payload: [UInt8], attempt: Int, lastError: SecretsManagerError?, outcomeUnknown: Bool
    ) throws(Failure) -> PendingResponse {
        var connectLimit = connectTimeout
        var totalLimit = requestTimeout
        if let deadline {
            let left = deadline.remainingSeconds(margin: safetyMargin)
            guard left > 0 else {
                throw Failure(
                    error: lastError ?? .deadlineExceeded(operation: operation, host: host),
                    mayHaveTakenEffect: outcomeUnknown)
            }
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
        if let traceHeader, !traceHeader.isEmpty {
            request.headers.append((name: "X-Amzn-Trace-Id", value: traceHeader))
        }
        signer.sign(&request, at: WallClock.nowMilliseconds() / 1000)
        ownCallCounts[operation, default: 0] += 1
        if attempt > 1 { ownRetryCount += 1 }
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
            throw .invalidResponse(
                operation: operation, reason: "the body is a \(value.typeName), not an object", host: host)
        }
        return value
    }

    /// Reads the error code as botocore does: the body's `__type` without
    /// its namespace, else the `x-amzn-ErrorType` header, else the status.
    private func serviceError(
        _ operation: String, _ response: HTTPResponse, scrubbing sensitive: [String]
    )
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

/// A Secrets Manager read whose first attempt is on its way. `result()`
/// waits for it, makes any retries, and gives the same answer when called
/// again.
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
