import CCurl

#if canImport(Glibc)
import Glibc
#endif

/// A synchronous HTTP/1.1 client over one curl easy handle, driven through
/// its own curl multi handle.
///
/// One client per endpoint: the multi handle keeps the connection alive
/// between requests, and every request sets all of its options anew, so one
/// endpoint's settings never leak into another's exchanges. `start` sends a
/// request as far as it goes without waiting and `PendingResponse.wait()`
/// collects the answer, so a caller can do other blocking work (a database
/// login) while the request travels; `send` does both at once. One exchange
/// at a time; not for use from two threads at once.
public final class HTTPClient {
    private let handle: UnsafeMutableRawPointer
    private let multi: UnsafeMutableRawPointer
    /// `nil`: the system's store, found on the first HTTPS request.
    private let trust: TrustStore?
    /// curl's own words for the last failure ("unable to get local issuer
    /// certificate", "no alternative certificate subject name matches…"),
    /// which its error codes alone do not tell apart.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var inFlight: Exchange?

    /// What must outlive curl's use of it during one exchange.
    private final class Exchange {
        let sink = ResponseSink()
        var headerList: UnsafeMutablePointer<curl_slist>?
        let host: String
        var outcome: Result<HTTPResponse, HTTPError>?

        init(host: String) { self.host = host }
        deinit { curl_slist_free_all(headerList) }
    }

    /// - Parameter caBundle: CA certificates for HTTPS; `nil` uses the system's.
    public convenience init(caBundle: String? = nil) {
        self.init(trust: caBundle.map(TrustStore.bundle))
    }

    init(trust: TrustStore?) {
        HTTPClient.initializeOnce
        guard let handle = curl_easy_init(), let multi = curl_multi_init() else {
            // Only fails when out of memory, where nothing else would work either.
            fatalError("curl_easy_init failed")
        }
        self.handle = handle
        self.multi = multi
        self.trust = trust
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        if inFlight != nil { curl_multi_remove_handle(multi, handle) }
        curl_easy_cleanup(handle)
        curl_multi_cleanup(multi)
        errorBuffer.deallocate()
    }

    private static let initializeOnce: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        // A peer closing a socket must fail the request, not kill the process.
        signal(SIGPIPE, SIG_IGN)
    }()

    public func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        try start(request).wait()
    }

    /// Sends `request` as far as it goes without blocking: on a live
    /// keep-alive connection, the whole request is written before this
    /// returns. The answer waits in the socket until `wait()` reads it.
    public func start(_ request: HTTPRequest) -> PendingResponse {
        // An exchange abandoned without wait() must not hold the handle.
        if inFlight != nil { _ = complete() }
        let exchange = Exchange(host: Self.host(of: request.url))
        let code = configure(request, exchange)
        guard code == CURLE_OK else {
            let failure = failure(code, host: exchange.host)
            return PendingResponse { () throws(HTTPError) in throw failure }
        }
        let added = curl_multi_add_handle(multi, handle)
        guard added == CURLM_OK else {
            let failure = HTTPError(
                kind: .other, host: exchange.host, curlCode: Int(added.rawValue),
                reason: String(cString: curl_multi_strerror(added)))
            return PendingResponse { () throws(HTTPError) in throw failure }
        }
        inFlight = exchange
        // On a fast path (loopback) the whole exchange may be over already.
        if let done = drive() { finish(exchange, done) }
        return PendingResponse { () throws(HTTPError) in
            // Another start() may have completed this exchange already.
            let outcome = exchange.outcome ?? (self.inFlight === exchange ? self.complete() : nil)
            guard let outcome else {
                throw HTTPError(kind: .other, host: exchange.host, curlCode: 0, reason: "exchange abandoned")
            }
            return try outcome.get()
        }
    }

    /// Lets curl do whatever it can without waiting; the exchange's result once it is over.
    @discardableResult
    private func drive() -> CURLcode? {
        var running: Int32 = 0
        let performed = curl_multi_perform(multi, &running)
        if performed != CURLM_OK { return CURLE_FAILED_INIT }
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            if message.pointee.msg == CURLMSG_DONE { return rotator_curl_msg_result(message) }
        }
        return nil
    }

    /// Waits for the exchange in flight to finish; curl enforces its timeouts in `perform`.
    private func complete() -> Result<HTTPResponse, HTTPError> {
        guard let exchange = inFlight else {
            return .failure(HTTPError(kind: .other, host: "", curlCode: 0, reason: "no exchange in flight"))
        }
        let code: CURLcode
        while true {
            if let done = drive() {
                code = done
                break
            }
            var ready: Int32 = 0
            let polled = rotator_curl_multi_poll(multi, 1000, &ready)
            if polled != CURLM_OK {
                code = CURLE_RECV_ERROR
                break
            }
        }
        return finish(exchange, code)
    }

    /// Detaches the finished exchange and keeps its outcome.
    @discardableResult
    private func finish(_ exchange: Exchange, _ code: CURLcode) -> Result<HTTPResponse, HTTPError> {
        curl_multi_remove_handle(multi, handle)
        inFlight = nil
        let outcome: Result<HTTPResponse, HTTPError>
        if code == CURLE_OK {
            var status = 0
            _ = rotator_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            outcome = .success(HTTPResponse(status: status, headers: exchange.sink.headers, body: exchange.sink.body))
        } else {
            outcome = .failure(failure(code, host: exchange.host))
        }
        exchange.outcome = outcome
        return outcome
    }

    private func failure(_ code: CURLcode, host: String) -> HTTPError {
        let detail = String(cString: errorBuffer).trimmingWhitespace()
        return HTTPError(
            kind: HTTPError.Kind(curlCode: Int(code.rawValue)), host: host, curlCode: Int(code.rawValue),
            reason: String(cString: curl_easy_strerror(code)), detail: detail.isEmpty ? nil : detail)
    }

    private func configure(_ request: HTTPRequest, _ exchange: Exchange) -> CURLcode {
        // Reset keeps the connection cache (the multi handle's), so keep-alive survives it.
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let sinkPointer = Unmanaged.passUnretained(exchange.sink).toOpaque()
        for header in request.headers {
            exchange.headerList = curl_slist_append(
                exchange.headerList, "\(HTTPRequest.headerSafe(header.name)): \(HTTPRequest.headerSafe(header.value))")
        }
        // curl would otherwise wait for "100 Continue" before sending larger bodies.
        exchange.headerList = curl_slist_append(exchange.headerList, "Expect:")

        var code = CURLE_OK
        func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }
        set(rotator_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        set(rotator_curl_setopt_string(handle, CURLOPT_URL, request.url))
        // Only HTTP(S): the deployment zip's libcurl carries no other scheme's
        // libraries (scripts/curl_unused.c), and no AWS endpoint is anything else.
        set(rotator_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(rotator_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(rotator_curl_setopt_long(handle, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1))
        set(rotator_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1))
        set(rotator_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, exchange.headerList))
        set(rotator_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, responseBodyCallback))
        set(rotator_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer))
        set(rotator_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, responseHeaderCallback))
        set(rotator_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer))
        if request.url.prefix(6).lowercased() == "https:" {
            switch trust ?? TrustStore.system {
            case .bundle(let path):
                set(rotator_curl_setopt_string(handle, CURLOPT_CAINFO, path))
            case .directory(let path):
                // Unset the compiled-in bundle too, or curl would still parse it whole.
                set(rotator_curl_setopt_pointer(handle, CURLOPT_CAINFO, nil))
                set(rotator_curl_setopt_string(handle, CURLOPT_CAPATH, path))
            case .curlDefault:
                break
            }
        }
        if let connectTimeout = request.connectTimeout {
            set(rotator_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(connectTimeout)))
        }
        if let totalTimeout = request.totalTimeout {
            set(rotator_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(totalTimeout)))
        }
        switch request.method {
        case "GET":
            set(rotator_curl_setopt_long(handle, CURLOPT_HTTPGET, 1))
        default:
            set(rotator_curl_setopt_long(handle, CURLOPT_POST, 1))
            set(rotator_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            request.body.withUnsafeBytes { buffer in
                // COPYPOSTFIELDS copies, so the body need not outlive this call.
                let pointer = buffer.count > 0 ? buffer.baseAddress! : UnsafeRawPointer(("" as StaticString).utf8Start)
                set(
                    rotator_curl_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: pointer)))
            }
            if request.method != "POST" {
                set(rotator_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method))
            }
        }
        return code
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        // curl reads 0 as "no limit"; a spent budget must still time out at once.
        max(1, Int((seconds * 1000).rounded(.up)))
    }

    /// The authority of a URL, for error messages.
    static func host(of url: String) -> String {
        let parts = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        // "scheme://authority/…" splits into ["scheme:", "", "authority", …].
        let authority = parts.count >= 3 && parts[0].hasSuffix(":") ? parts[2] : parts.first ?? ""
        return String(authority.prefix(while: { $0 != "?" }))
    }
}

extension HTTPError.Kind {
    /// What a curl failure says about the exchange. A reset is `connectionLost`
    /// or, during the handshake (curl 35), `tls`: curl does not tell the two
    /// apart, and neither does the retry rule.
    public init(curlCode: Int) {
        switch CURLcode(rawValue: UInt32(truncatingIfNeeded: curlCode)) {
        case CURLE_OPERATION_TIMEDOUT: self = .timedOut
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: self = .couldNotConnect
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_WEIRD_SERVER_REPLY:
            self = .connectionLost
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
            self = .tls
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION,
            CURLE_FAILED_INIT, CURLE_NOT_BUILT_IN:
            self = .invalidRequest
        default: self = .other
        }
    }
}

/// Accumulates one response; curl calls back into it during `perform`.
private final class ResponseSink {
    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []

    func appendHeaderLine(_ line: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("HTTP/") {
            // A new status line (after a redirect or 100 Continue) starts a new header block.
            headers.removeAll()
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = text[..<colon].lowercased()
        let value = text[text.index(after: colon)...].trimmingWhitespace()
        headers.append((name: name, value: value))
    }
}

// curl's C callbacks cannot capture, so each finds its sink through the
// context pointer and hands the bytes over.
private func responseBodyCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    deliver(data, size * count, context) { sink, bytes in sink.body.append(contentsOf: bytes) }
}

private func responseHeaderCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    deliver(data, size * count, context) { sink, bytes in sink.appendHeaderLine(bytes) }
}

private func deliver(
    _ data: UnsafeMutablePointer<CChar>?, _ length: Int, _ context: UnsafeMutableRawPointer?,
    _ body: (ResponseSink, UnsafeBufferPointer<UInt8>) -> Void
) -> Int {
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    data.withMemoryRebound(to: UInt8.self, capacity: length) {
        body(sink, UnsafeBufferPointer(start: $0, count: length))
    }
    return length
}

extension StringProtocol {
    /// Trims spaces, tabs and line ends. Works on scalars: "\r\n" is one
    /// Character in Swift, which a Character comparison would never match.
    func trimmingWhitespace() -> String {
        let scalars = Array(unicodeScalars)
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[first...last])
        return String(result)
    }
}
