import AWSCore
import CurlHTTP
import JSON
import Platform

/// A synchronous Secrets Manager client over the JSON 1.1 protocol: how
/// to build an operation's body and read its answer or error. Sending,
/// signing, retrying and the deadline are `AWSClient`'s.
///
/// One client per endpoint: its `AWSClient` owns one transport, whose
/// connection stays open between calls. Every call is bounded by the
/// `CallContext` it is given and retried the way the AWS SDKs' "standard"
/// mode does. Not for use from two threads at once.
public final class SecretsManagerClient {
    public var region: String { aws.region }
    /// The base URL requests go to, e.g. `https://secretsmanager.us-east-1.amazonaws.com`.
    public var endpoint: String { aws.endpoint }
    /// `host[:port]` of the endpoint, for error messages.
    public var host: String { aws.host }
    public var credentials: AWSCredentials {
        get { aws.credentials }
        set { aws.credentials = newValue }
    }
    public var maxAttempts: Int {
        get { aws.maxAttempts }
        set { aws.maxAttempts = newValue }
    }
    public var connectTimeout: Double { aws.connectTimeout }
    public var requestTimeout: Double { aws.requestTimeout }
    public var backoff: Backoff { aws.backoff }

    /// HTTP requests sent per operation, retries included, by this client
    /// and the ones it made for other regions.
    public var callCounts: [String: Int] {
        otherRegions.values.reduce(into: aws.callCounts) { total, client in
            total.merge(client.callCounts, uniquingKeysWith: +)
        }
    }

    /// Endpoints for regions other than `region` (see `client(forSecret:)`).
    public var regionalEndpoints: [String: String] = [:]
    private var otherRegions: [String: SecretsManagerClient] = [:]
    private let makeTransport: () -> any HTTPTransport
    /// Requests that were second or later attempts of a call.
    public var retryCount: Int { otherRegions.values.reduce(aws.retryCount) { $0 + $1.retryCount } }

    let aws: AWSClient
    var transport: any HTTPTransport { aws.transport }
    var signer: SigV4Signer { aws.signer }

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
        self.aws = AWSClient(
            region: region, service: "secretsmanager", endpoint: endpoint, credentials: credentials,
            transport: transport, maxAttempts: maxAttempts, connectTimeout: connectTimeout,
            requestTimeout: requestTimeout, backoff: backoff)
        // Tests script one transport for every region.
        self.makeTransport = makeTransport ?? { transport }
    }

    /// The client for the region a secret lives in: this one for a name or an
    /// ARN of this region, else one made for the ARN's region (and kept),
    /// sharing this client's credentials and retry settings.
    /// `SECRETS_MANAGER_ENDPOINT` serves the function's own region only; another
    /// region uses `regionalEndpoints`' entry, else its regional default.
    /// Credentials do not cross partitions: such an ARN is refused, by name,
    /// and so is any ARN of another region when this region is in no known partition.
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
                functionPartition: ownPartition ?? "none known")
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
        _ operation: String, _ body: JSONObject, context: CallContext = .unbounded,
        confirm: (() throws(SecretsManagerError) -> Bool)? = nil
    ) throws(SecretsManagerError) -> JSONValue {
        do {
            return try attempts(operation, body, context)()
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
    public func start(_ operation: String, _ body: JSONObject, context: CallContext = .unbounded) -> PendingCall {
        let finish = attempts(operation, body, context)
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
    private func attempts(
        _ operation: String, _ body: JSONObject, _ context: CallContext
    ) -> () throws(Failure) -> JSONValue {
        // The secret sent must not come back in an error message.
        let sensitive = ["SecretString", "SecretBinary"].compactMap { body[$0]?.stringValue }.filter { !$0.isEmpty }
        let exchange = aws.start(
            operation,
            headers: [
                (name: "Content-Type", value: "application/x-amz-json-1.1"),
                (name: "X-Amz-Target", value: "secretsmanager.\(operation)"),
            ],
            body: JSONValue.object(body).serializedBytes, context: context, errorCode: Self.errorCode)
        return { () throws(Failure) in
            let response: HTTPResponse
            do throws(AWSClient.Failure) {
                response = try exchange()
            } catch let failure {
                let error = self.aws.error(failure, operation) { Self.errorMessage($0, scrubbing: sensitive) }
                throw Failure(error: .aws(error), mayHaveTakenEffect: failure.mayHaveTakenEffect)
            }
            do throws(SecretsManagerError) {
                return try self.parseResult(operation, response)
            } catch {
                throw Failure(error: error, mayHaveTakenEffect: true)
            }
        }
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
    static func errorCode(_ response: HTTPResponse) -> String {
        let body = try? JSONValue(parsing: response.body)
        var type = body?["__type"]?.stringValue ?? response.header("x-amzn-errortype") ?? ""
        if let hash = type.lastIndex(of: "#") { type = String(type[type.index(after: hash)...]) }
        if let colon = type.firstIndex(of: ":") { type = String(type[..<colon]) }
        return type.isEmpty ? "HTTP\(response.status)" : type
    }

    /// An error answer's message, without the secret the request sent.
    private static func errorMessage(_ response: HTTPResponse, scrubbing sensitive: [String]) -> String? {
        let body = try? JSONValue(parsing: response.body)
        var message = (body?["message"] ?? body?["Message"])?.stringValue
        for secret in sensitive {
            message = message?.replacing(secret, with: "<redacted>")
        }
        return message
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
