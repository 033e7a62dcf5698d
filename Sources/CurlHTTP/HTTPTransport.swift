/// The one thing clients need from HTTP, so tests can stand in a fake.
public protocol HTTPTransport: AnyObject {
    func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse
    /// Sends `request` without waiting for the answer, so other work can
    /// overlap its round trip.
    func start(_ request: HTTPRequest) -> PendingResponse
}

extension HTTPTransport {
    /// A transport that cannot overlap sends the request when the answer is awaited.
    public func start(_ request: HTTPRequest) -> PendingResponse {
        PendingResponse { () throws(HTTPError) in try self.send(request) }
    }
}

extension HTTPClient: HTTPTransport {}
