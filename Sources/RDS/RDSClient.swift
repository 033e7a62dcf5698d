import AWSCore
import CurlHTTP
import Platform

/// A synchronous client for the two RDS Query-protocol operations rotation
/// needs, signed with the same SigV4 signer as Secrets Manager (service `rds`).
///
/// One client per region: an admin secret's database may live in another
/// region than the function. Not for use from two threads at once.
public final class RDSClient {
    public let region: String
    public let endpoint: String
    /// `host[:port]` of the endpoint, for error messages.
    public let host: String
    public var deadline: Deadline?
    public var safetyMargin: Double = 0.5
    public var maxAttempts: Int
    public var connectTimeout: Double
    public var requestTimeout: Double
    public var backoff: Backoff
    /// HTTP requests sent per operation, retries included.
    public private(set) var callCounts: [String: Int] = [:]
    /// Lambda's `X-Amzn-Trace-Id`, sent unsigned with every request (X-Ray may rewrite it on the way).
    public var traceHeader: String?

    static let apiVersion = "2014-10-31"

    let transport: any HTTPTransport
    let signer: SigV4Signer
    let url: String

    public init(
        region: String, endpoint: String, credentials: AWSCredentials, transport: any HTTPTransport,
        maxAttempts: Int = 3, connectTimeout: Double = 3, requestTimeout: Double = 10, backoff: Backoff = .live
    ) {
        self.region = region
        self.endpoint = endpoint
        let (url, authority) = Self.normalised(endpoint)
        self.host = authority
        self.url = url
        self.signer = SigV4Signer(region: region, service: "rds", credentials: credentials)
        self.transport = transport
        self.maxAttempts = maxAttempts
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.backoff = backoff
    }

    /// Sends `Action=<operation>` with `parameters` as a form body and returns
    /// the `<operation>Result` element, retrying what is worth retrying.
    public func call(_ operation: String, _ parameters: [(String, String)]) throws(RDSError) -> XMLElement {
        let form = [("Action", operation), ("Version", Self.apiVersion)] + parameters
        let body = Array(form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&").utf8)
        var lastError: RDSError?
        for attempt in 1...max(1, maxAttempts) {
            if let lastError {
                let delay = backoff.delay(afterAttempt: attempt - 1)
                if let deadline, delay + 0.25 > deadline.remainingSeconds(margin: safetyMargin) { throw lastError }
                backoff.sleep(delay)
            }
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
                headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")],
                body: body, connectTimeout: connectLimit, totalTimeout: totalLimit)
            signer.sign(&request, at: WallClock.nowMilliseconds() / 1000)
            if let traceHeader, !traceHeader.isEmpty {
                request.headers.append((name: "X-Amzn-Trace-Id", value: traceHeader))
            }
            callCounts[operation, default: 0] += 1

            let failure: RDSError
            switch Result(catching: { () throws(HTTPError) in try transport.send(request) }) {
            case .success(let response) where (200..<300).contains(response.status):
                return try result(operation, response)
            case .success(let response):
                failure = serviceError(operation, response)
            case .failure(let error):
                failure = .transport(operation: operation, kind: error.kind, reason: error.reason, host: host)
            }
            guard failure.isRetryable else { throw failure }
            lastError = failure
        }
        throw lastError!
    }

    func result(_ operation: String, _ response: HTTPResponse) throws(RDSError) -> XMLElement {
        let root: XMLElement
        do {
            root = try XMLElement(parsing: response.body)
        } catch {
            throw .invalidResponse(operation: operation, reason: error.description, host: host)
        }
        guard root.name == "\(operation)Response", let result = root.child("\(operation)Result") else {
            throw .invalidResponse(operation: operation, reason: "no \(operation)Result in <\(root.name)>", host: host)
        }
        return result
    }

    /// `<ErrorResponse><Error><Code>…</Code><Message>…</Message></Error></ErrorResponse>`,
    /// else the HTTP status alone.
    func serviceError(_ operation: String, _ response: HTTPResponse) -> RDSError {
        let error = (try? XMLElement(parsing: response.body))?.child("Error")
        let code = error?.child("Code")?.text ?? "HTTP\(response.status)"
        var message = error?.child("Message")?.text
        if let text = message, text.count > 300 { message = String(text.prefix(300)) + "…" }
        return .service(operation: operation, code: code, message: message, status: response.status, host: host)
    }

    /// The URL with its authority lower-cased (curl sends the host as written,
    /// the signer signs it lower-cased) and a root path; and the authority.
    static func normalised(_ endpoint: String) -> (url: String, authority: String) {
        guard let separator = endpoint.firstRange(of: "://") else { return (endpoint, endpoint) }
        let rest = endpoint[separator.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<end].lowercased()
        let tail = rest[end...]
        return (endpoint[..<separator.upperBound] + authority + (tail.isEmpty ? "/" : tail), authority)
    }

    /// `application/x-www-form-urlencoded` as botocore writes it: RFC 3986
    /// unreserved characters as they are, everything else percent-encoded.
    static func formEncode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                encoded += "%"
                encoded.unicodeScalars.append(hex[Int(byte >> 4)])
                encoded.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return encoded
    }
}
