import AWSCore
import CurlHTTP
import RDS
import TestSupport
import Testing

/// Every request the RDS client sends, captured from its transport, signed
/// as botocore's `SigV4Auth` signs the same request (`SigV4Oracle`).
@Suite struct RDSSigV4OracleTests {
    @Test(arguments: [
        "https://rds.us-east-1.amazonaws.com", "http://127.0.0.1:15000", "https://RDS.Eu-West-1.amazonaws.com:443/",
    ])
    func clientRequestsSignAsBotocoreSignsThem(endpoint: String) throws {
        let transport = ScriptedTransport([
            xml(200, instanceAnswer), xml(200, clusterAnswer), xml(500, "x"), xml(200, instanceAnswer),
        ])
        let client = makeClient(transport, endpoint: endpoint)
        _ = try client.describeDBInstance("prod")
        _ = try client.describeDBCluster("aurora")
        _ = try client.describeDBInstance("arn:aws:rds:us-east-1:123456789012:db:prod replica/é")
        try #require(transport.requests.count == 4)

        let answers = try SigV4Oracle.sign(
            transport.requests.map {
                SigV4Oracle.Case(sent: $0, credentials: credentials, region: "us-east-1", service: "rds")
            })
        try #require(answers.count == transport.requests.count)
        for (sent, answer) in zip(transport.requests, answers) {
            #expect(SigV4Oracle.Answer(signed: sent).authorization == answer.authorization)
            #expect(SigV4Oracle.Answer(signed: sent).securityToken == answer.securityToken)
        }
    }
}
