import CurlHTTP

/// Sends one HTTP exchange. `HTTPClient` is the real one; tests put a
/// scripted fake in its place to drive retries without a network.
public protocol HTTPTransport: AnyObject {
    func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse
}

extension HTTPClient: HTTPTransport {}
