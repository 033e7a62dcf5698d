/// One HTTP exchange, as plain values: the client owns the transport.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Seconds to establish the connection; `nil` leaves curl's default.
    public var connectTimeout: Double?
    /// Seconds for the whole exchange; `nil` waits forever (the Runtime API's long poll).
    public var totalTimeout: Double?

    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        connectTimeout: Double? = nil, totalTimeout: Double? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }
}

extension HTTPRequest {
    /// A header value that cannot end its header line or start another: CR,
    /// LF and every other control character become a space. Values can come
    /// from outside (an `errorType` from a service's `__type`).
    public static func headerSafe(_ value: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            scalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? " " : scalar)
        }
        return String(scalars)
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased, in the order received.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.last(where: { $0.name == lowered })?.value
    }
}

/// A transport failure: no HTTP answer was received. The description names
/// the host and curl's reason; URLs here never carry credentials.
public struct HTTPError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        case timedOut
        case couldNotConnect
        case connectionLost
        case tls
        /// The request could not be made at all (a URL curl cannot use, a
        /// bad option): nothing was sent, and sending again cannot help.
        case invalidRequest
        /// Any other failure while sending or receiving.
        case other
    }

    public var kind: Kind
    public var host: String
    public var curlCode: Int
    /// curl's name for the error code.
    public var reason: String
    /// curl's error buffer: what exactly went wrong, e.g. which certificate
    /// check failed. It names hosts and certificates, never a request body.
    public var detail: String?

    public init(kind: Kind, host: String, curlCode: Int, reason: String, detail: String? = nil) {
        self.kind = kind
        self.host = host
        self.curlCode = curlCode
        self.reason = reason
        self.detail = detail
    }

    public var description: String {
        let detail = detail.map { ": \($0)" } ?? ""
        return "HTTP request to \(host) failed: \(reason)\(detail) (curl \(curlCode))"
    }
}

/// An exchange whose request has been sent; `wait()` blocks for the answer
/// (once: later calls give the same result).
public final class PendingResponse {
    private var receive: (() throws(HTTPError) -> HTTPResponse)?
    private var outcome: Result<HTTPResponse, HTTPError>?

    public init(_ receive: @escaping () throws(HTTPError) -> HTTPResponse) {
        self.receive = receive
    }

    public func wait() throws(HTTPError) -> HTTPResponse {
        if outcome == nil, let receive {
            outcome = Result { () throws(HTTPError) in try receive() }
            self.receive = nil
        }
        return try outcome!.get()
    }
}
