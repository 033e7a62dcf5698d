import AWSCore
import CurlHTTP
import Platform

/// A synchronous client for the two RDS Query-protocol operations rotation
/// needs: how to write the form body and read the XML answer or error.
/// Sending, signing (service `rds`), retrying and the deadline are
/// `AWSClient`'s, as for Secrets Manager.
///
/// One client per region: an admin secret's database may live in another
/// region than the function. Not for use from two threads at once.
public final class RDSClient {
    public var region: String { aws.region }
    public var endpoint: String { aws.endpoint }
    /// `host[:port]` of the endpoint, for error messages.
    public var host: String { aws.host }
    /// HTTP requests sent per operation, retries included.
    public var callCounts: [String: Int] { aws.callCounts }
    /// Requests that were second or later attempts of a call.
    public var retryCount: Int { aws.retryCount }

    static let apiVersion = "2014-10-31"

    let aws: AWSClient

    public init(
        region: String, endpoint: String, credentials: AWSCredentials, transport: any HTTPTransport,
        maxAttempts: Int = 3, connectTimeout: Double = 3, requestTimeout: Double = 10, backoff: Backoff = .live
    ) {
        aws = AWSClient(
            region: region, service: "rds", endpoint: endpoint, credentials: credentials, transport: transport,
            maxAttempts: maxAttempts, connectTimeout: connectTimeout, requestTimeout: requestTimeout, backoff: backoff)
    }

    /// Sends `Action=<operation>` with `parameters` as a form body and returns
    /// the `<operation>Result` element, retrying what is worth retrying.
    public func call(
        _ operation: String, _ parameters: [(String, String)], context: CallContext = .unbounded
    ) throws(RDSError) -> XMLElement {
        let form = [("Action", operation), ("Version", Self.apiVersion)] + parameters
        let body = form.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
        let response: HTTPResponse
        do throws(AWSClient.Failure) {
            response = try aws.send(
                operation,
                headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")],
                body: Array(body.utf8), context: context, errorCode: Self.errorCode)
        } catch {
            throw RDSError(aws.error(error, operation, message: Self.errorMessage))
        }
        return try result(operation, response)
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
    static func errorCode(_ response: HTTPResponse) -> String {
        (try? XMLElement(parsing: response.body))?.child("Error")?.child("Code")?.text ?? "HTTP\(response.status)"
    }

    static func errorMessage(_ response: HTTPResponse) -> String? {
        (try? XMLElement(parsing: response.body))?.child("Error")?.child("Message")?.text
    }
}
