import AWSCore
import CurlHTTP
import Platform
import RDS
import TestSupport
import Testing

func xml(_ status: Int, _ body: String) -> HTTPResponse {
    HTTPResponse(status: status, headers: [(name: "content-type", value: "text/xml")], body: Array(body.utf8))
}

let instanceAnswer = """
    <DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
      <DescribeDBInstancesResult>
        <DBInstances>
          <DBInstance>
            <DBInstanceIdentifier>prod</DBInstanceIdentifier>
            <Engine>mysql</Engine>
            <Endpoint><Address>prod.abc.us-east-1.rds.amazonaws.com</Address><Port>3306</Port><HostedZoneId>Z</HostedZoneId></Endpoint>
            <ReadReplicaDBInstanceIdentifiers>
              <ReadReplicaDBInstanceIdentifier>prod-replica</ReadReplicaDBInstanceIdentifier>
              <ReadReplicaDBInstanceIdentifier>arn:aws:rds:eu-west-1:123456789012:db:prod-eu</ReadReplicaDBInstanceIdentifier>
            </ReadReplicaDBInstanceIdentifiers>
          </DBInstance>
        </DBInstances>
      </DescribeDBInstancesResult>
      <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>
    </DescribeDBInstancesResponse>
    """

let clusterAnswer = """
    <DescribeDBClustersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
      <DescribeDBClustersResult><DBClusters><DBCluster>
        <DBClusterIdentifier>aurora</DBClusterIdentifier><Engine>aurora-mysql</Engine>
        <Endpoint>aurora.cluster-x.us-east-1.rds.amazonaws.com</Endpoint>
        <ReaderEndpoint>aurora.cluster-ro-x.us-east-1.rds.amazonaws.com</ReaderEndpoint><Port>3306</Port>
        <DBClusterMembers>
          <DBClusterMember><DBInstanceIdentifier>aurora-a</DBInstanceIdentifier><IsClusterWriter>true</IsClusterWriter></DBClusterMember>
          <DBClusterMember><DBInstanceIdentifier>aurora-b</DBInstanceIdentifier><IsClusterWriter>false</IsClusterWriter></DBClusterMember>
        </DBClusterMembers>
      </DBCluster></DBClusters></DescribeDBClustersResult>
    </DescribeDBClustersResponse>
    """

let notFound = """
    <ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
      <Error><Type>Sender</Type><Code>DBInstanceNotFound</Code><Message>DBInstance gone not found.</Message></Error>
      <RequestId>r2</RequestId>
    </ErrorResponse>
    """

let credentials = AWSCredentials(accessKeyId: "AKIDRDS", secretAccessKey: "rds/secret+key", sessionToken: "tok/en+=")

func makeClient(_ transport: ScriptedTransport, endpoint: String = "https://RDS.us-east-1.amazonaws.com") -> RDSClient {
    RDSClient(
        region: "us-east-1", endpoint: endpoint, credentials: credentials, transport: transport,
        backoff: Backoff(random: { 0 }, sleep: { _ in }))
}

@Suite struct RDSClientTests {
    @Test func describesAnInstanceAndItsReplicas() throws {
        let transport = ScriptedTransport([xml(200, instanceAnswer)])
        let instance = try makeClient(transport).describeDBInstance("prod")
        #expect(
            instance
                == DBInstance(
                    identifier: "prod", engine: "mysql", address: "prod.abc.us-east-1.rds.amazonaws.com", port: 3306,
                    readReplicas: ["prod-replica", "arn:aws:rds:eu-west-1:123456789012:db:prod-eu"]))
        let sent = try #require(transport.requests.first)
        #expect(sent.method == "POST")
        #expect(sent.url == "https://rds.us-east-1.amazonaws.com/")
        #expect(
            String(decoding: sent.body, as: UTF8.self)
                == "Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier=prod")
        #expect(
            sent.headers.contains { $0.name == "Authorization" && $0.value.contains("/us-east-1/rds/aws4_request") })
    }

    @Test func describesAClusterWithItsMembers() throws {
        let transport = ScriptedTransport([xml(200, clusterAnswer)])
        let cluster = try makeClient(transport).describeDBCluster("aurora")
        #expect(cluster.endpoint == "aurora.cluster-x.us-east-1.rds.amazonaws.com")
        #expect(cluster.readerEndpoint == "aurora.cluster-ro-x.us-east-1.rds.amazonaws.com")
        #expect(cluster.port == 3306)
        #expect(
            cluster.members == [
                .init(instanceIdentifier: "aurora-a", isWriter: true),
                .init(instanceIdentifier: "aurora-b", isWriter: false),
            ])
    }

    @Test func aMissingInstanceIsNotFoundAndNotRetried() {
        let transport = ScriptedTransport([xml(404, notFound)])
        let error = #expect(throws: RDSError.self) { try makeClient(transport).describeDBInstance("gone") }
        #expect(error?.isNotFound == true)
        #expect(transport.requests.count == 1)
        #expect(error?.description.contains("DBInstanceNotFound") == true)
    }

    @Test func throttlingAndServerErrorsAreRetried() throws {
        let throttled = xml(400, "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>")
        let transport = ScriptedTransport([throttled, xml(503, "unavailable"), xml(200, instanceAnswer)])
        _ = try makeClient(transport).describeDBInstance("prod")
        #expect(transport.requests.count == 3)
    }

    /// The one retry table (AWSCore's RetryPolicy), as for Secrets Manager: a
    /// lost TLS handshake is retried like any lost connection, and a 501,
    /// which will not change, is not.
    @Test func retriesWhatTheOneTableRetries() throws {
        let reset = HTTPError(kind: .tls, host: "h", curlCode: 35, reason: "reset in the handshake")
        let transport = ScriptedTransport([.failure(reset), .success(xml(200, instanceAnswer))])
        _ = try makeClient(transport).describeDBInstance("prod")
        #expect(transport.requests.count == 2)

        let notImplemented = ScriptedTransport([xml(501, "no"), xml(200, instanceAnswer)])
        #expect(throws: RDSError.self) { try makeClient(notImplemented).describeDBInstance("prod") }
        #expect(notImplemented.requests.count == 1)
    }

    @Test(arguments: [
        "<DescribeDBInstancesResponse><Other/></DescribeDBInstancesResponse>",
        "<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult></DescribeDBInstancesResponse>",
        String(instanceAnswer.dropLast(20)),
        instanceAnswer.replacing("<Port>3306</Port>", with: "<Port>big</Port>"),
    ])
    func anUnreadableAnswerIsRefused(_ body: String) {
        let transport = ScriptedTransport([xml(200, body)])
        #expect(throws: RDSError.self) { try makeClient(transport).describeDBInstance("prod") }
    }

    @Test func theTraceHeaderIsSentAndLeftUnsigned() throws {
        let transport = ScriptedTransport([xml(200, instanceAnswer)])
        let client = makeClient(transport)
        let trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
        _ = try client.describeDBInstance("prod", context: CallContext(deadline: nil, traceId: trace))
        let request = try #require(transport.requests.first)
        #expect(request.headers.contains { $0.name == "X-Amzn-Trace-Id" && $0.value == trace })
        let authorization = try #require(request.headers.first { $0.name == "Authorization" }?.value)
        #expect(!authorization.lowercased().contains("x-amzn-trace-id"))
    }

    @Test func parametersAreFormEncodedAsBotocoreDoes() throws {
        let transport = ScriptedTransport([xml(200, instanceAnswer)])
        _ = try makeClient(transport).describeDBInstance("arn:aws:rds:us-east-1:1:db:a b/é~")
        let body = String(decoding: try #require(transport.requests.first).body, as: UTF8.self)
        #expect(body.hasSuffix("DBInstanceIdentifier=arn%3Aaws%3Ards%3Aus-east-1%3A1%3Adb%3Aa%20b%2F%C3%A9~"))
    }
}
