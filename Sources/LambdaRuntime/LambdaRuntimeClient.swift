import CurlHTTP
import JSON
import Platform

/// The Lambda Runtime API, version 2018-06-01.
///
/// It owns its own HTTP connection: the long poll must not share options or
/// timeouts with the function's other endpoints.
public final class LambdaRuntimeClient {
    private let transport: HTTPTransport
    private let baseURL: String

    /// - Parameter apiAddress: `AWS_LAMBDA_RUNTIME_API`, host:port.
    public init(apiAddress: String, transport: HTTPTransport = HTTPClient()) {
        self.transport = transport
        self.baseURL = "http://\(apiAddress)/2018-06-01/runtime"
    }

    /// Blocks until Lambda has an event: a long poll with no timeout, since
    /// the sandbox may stay frozen between invocations for any length of time.
    public func nextInvocation() throws(LambdaRuntimeError) -> LambdaInvocation {
        let response = try send(HTTPRequest(method: "GET", url: "\(baseURL)/invocation/next"), action: "next")
        guard response.status == 200 else { throw .unexpectedStatus(action: "next", status: response.status) }
        guard let requestId = response.header("Lambda-Runtime-Aws-Request-Id"), !requestId.isEmpty else {
            throw .missingHeader("Lambda-Runtime-Aws-Request-Id")
        }
        // With a request id the invocation can still be failed at once,
        // rather than left for Lambda to time out.
        guard let deadlineText = response.header("Lambda-Runtime-Deadline-Ms"), let deadline = Int64(deadlineText)
        else {
            throw .unservable(requestId: requestId, reason: "lacks a valid Lambda-Runtime-Deadline-Ms header")
        }
        let context = LambdaContext(
            requestId: requestId, deadline: Deadline(epochMilliseconds: deadline),
            invokedFunctionArn: response.header("Lambda-Runtime-Invoked-Function-Arn"),
            traceId: response.header("Lambda-Runtime-Trace-Id"))
        return LambdaInvocation(event: response.body, context: context)
    }

    // A request id goes into the URL as one percent-encoded path segment:
    // whatever it holds (a slash, a space, a line end) cannot change which
    // URL is posted to.

    public func reportResponse(requestId: String, body: [UInt8]) throws(LambdaRuntimeError) {
        let request = HTTPRequest(
            method: "POST", url: "\(baseURL)/invocation/\(PercentEncoding.encode(requestId))/response",
            headers: [("Content-Type", "application/json")], body: body, totalTimeout: Self.reportTimeout)
        try expectAccepted(send(request, action: "response"), action: "response")
    }

    public func reportError(requestId: String, errorType: String, errorMessage: String) throws(LambdaRuntimeError) {
        try postError(
            url: "\(baseURL)/invocation/\(PercentEncoding.encode(requestId))/error", errorType: errorType,
            errorMessage: errorMessage)
    }

    /// For a configuration the function cannot start with: Lambda then fails
    /// the pending invocation with this error and discards the sandbox.
    public func reportInitError(errorType: String, errorMessage: String) throws(LambdaRuntimeError) {
        try postError(url: "\(baseURL)/init/error", errorType: errorType, errorMessage: errorMessage)
    }

    private func postError(url: String, errorType: String, errorMessage: String) throws(LambdaRuntimeError) {
        // The header and the body say the same, and the header stays one line.
        let errorType = HTTPRequest.headerSafe(errorType)
        let body: JSONObject = ["errorMessage": .string(errorMessage), "errorType": .string(errorType)]
        let request = HTTPRequest(
            method: "POST", url: url,
            headers: [("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", errorType)],
            body: Array(body.serialized.utf8), totalTimeout: Self.reportTimeout)
        try expectAccepted(send(request, action: "error"), action: "error")
    }

    /// The Runtime API answers on the same host at once; a long wait means it is gone.
    private static let reportTimeout = 10.0

    private func send(_ request: HTTPRequest, action: String) throws(LambdaRuntimeError) -> HTTPResponse {
        do {
            return try transport.send(request)
        } catch {
            throw .transport(action: action, error)
        }
    }

    private func expectAccepted(_ response: HTTPResponse, action: String) throws(LambdaRuntimeError) {
        guard (200..<300).contains(response.status) else {
            throw .unexpectedStatus(action: action, status: response.status)
        }
    }
}

public enum LambdaRuntimeError: Error, CustomStringConvertible {
    case transport(action: String, HTTPError)
    case unexpectedStatus(action: String, status: Int)
    case missingHeader(String)
    /// An invocation arrived that cannot be served (its answer is unusable);
    /// its request id is known, so it can be failed.
    case unservable(requestId: String, reason: String)

    public var description: String {
        switch self {
        case .unservable(_, let reason): "Runtime API next invocation \(reason)"
        case .transport(let action, let error): "Runtime API \(action): \(error)"
        case .unexpectedStatus(let action, let status): "Runtime API \(action) answered HTTP \(status)"
        case .missingHeader(let name): "Runtime API next invocation lacks the \(name) header"
        }
    }
}
