import CurlHTTP
import JSON
import Platform
import SecretsManager
import Testing

@Suite struct SecretsManagerClientTraceTests {
    static let trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

    @Test func everyAttemptCarriesTheTraceHeaderOutsideTheSignature() throws {
        let transport = FakeTransport([
            .success(.json(503, ["__type": .string("ServiceUnavailable")])),
            .success(.json(200, [:])),
        ])
        let client = makeClient(transport)
        _ = try client.call("ListSecrets", [:], context: CallContext(deadline: nil, traceId: Self.trace))

        #expect(transport.requests.count == 2)
        for request in transport.requests {
            #expect(request.headers.filter { $0.name == "X-Amzn-Trace-Id" }.map(\.value) == [Self.trace])
            let authorization = try #require(request.headers.first { $0.name == "Authorization" }?.value)
            #expect(!authorization.lowercased().contains("x-amzn-trace-id"))
        }
        #expect(client.retryCount == 1)
    }

    @Test(arguments: [nil, ""] as [String?])
    func noTraceNoHeader(_ trace: String?) throws {
        let transport = FakeTransport([.success(.json(200, [:]))])
        let client = makeClient(transport)
        _ = try client.call("ListSecrets", [:], context: CallContext(deadline: nil, traceId: trace))
        #expect(transport.requests.first?.headers.contains { $0.name == "X-Amzn-Trace-Id" } == false)
        #expect(client.retryCount == 0)
    }
}
