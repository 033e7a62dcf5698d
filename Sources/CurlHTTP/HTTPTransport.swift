/// The one thing clients need from HTTP, so tests can stand in a fake.
public protocol HTTPTransport: AnyObject {
    func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse
}

extension HTTPClient: HTTPTransport {}
