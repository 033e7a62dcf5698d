import CurlHTTP
import JSON
import Platform
import Testing

@testable import SecretsManager

/// A `masterarn` in another region is read from that region, signed for it.
@Suite struct CrossRegionTests {
    static let westARN = "arn:aws:secretsmanager:us-west-2:123456789012:secret:admin-AbCdEf"

    func authorization(_ request: HTTPRequest) -> String {
        request.headers.first { $0.name == "Authorization" }?.value ?? ""
    }

    @Test(arguments: [
        ("arn:aws:secretsmanager:us-west-2:1:secret:a-b", "aws", "us-west-2"),
        ("arn:aws-cn:secretsmanager:cn-north-1:1:secret:a:b:c", "aws-cn", "cn-north-1"),
    ])
    func readsPartitionAndRegionFromAnARN(_ text: String, _ partition: String, _ region: String) throws {
        let arn = try #require(SecretARN(text))
        #expect(arn.partition == partition && arn.region == region)
    }

    @Test(arguments: [
        "admin/secret", "arn:aws:s3:::bucket", "arn:aws:secretsmanager::1:secret:a",
        "arn:aws:secretsmanager:us-east-1:1",
    ])
    func aNameOrAnotherARNIsNotRead(_ text: String) {
        #expect(SecretARN(text) == nil)
    }

    @Test(arguments: [
        ("us-east-1", "aws"), ("eu-central-2", "aws"), ("cn-northwest-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"), ("us-isob-east-1", "aws-iso-b"),
    ])
    func knowsARegionsPartition(_ region: String, _ partition: String) {
        #expect(SecretsManagerEndpoint.partition(ofRegion: region) == partition)
    }

    /// One answer with `Endpoint.resolve`: no partition is guessed for a
    /// region of none, while a region new to the table but of a partition's
    /// pattern is that partition's.
    @Test func aRegionOfNoKnownPartitionHasNoneAndANewRegionOfAPatternHasIts() {
        #expect(SecretsManagerEndpoint.partition(ofRegion: "local") == nil)
        #expect(SecretsManagerEndpoint.partition(ofRegion: "us-newplace-7") == "aws")
        #expect(
            SecretsManagerEndpoint.regionalDefault("us-newplace-7")
                == "https://secretsmanager.us-newplace-7.amazonaws.com")
    }

    @Test func fromARegionOfNoKnownPartitionNoOtherRegionIsRead() {
        let transport = FakeTransport([])
        let client = SecretsManagerClient(
            region: "local", endpoint: "http://127.0.0.1:4566", credentials: testCredentials, transport: transport)
        let error = catching { _ = try client.client(forSecret: Self.westARN, operation: "GetSecretValue") }
        #expect(error?.errorType == "SecretInOtherPartition")
        #expect(transport.requests.isEmpty)
    }

    @Test func theFunctionsOwnRegionAndNamesUseThisClient() throws {
        let client = makeClient(FakeTransport([]))
        #expect(try client.client(forSecret: "admin", operation: "GetSecretValue") === client)
        #expect(
            try client.client(forSecret: "arn:aws:secretsmanager:us-east-1:1:secret:a", operation: "GetSecretValue")
                === client)
    }

    @Test func anotherRegionIsReadFromItsEndpointSignedForIt() throws {
        let transport = FakeTransport([
            .success(
                .json(200, ["ARN": .string(Self.westARN), "VersionId": .string("v"), "SecretString": .string("{}")]))
        ])
        let client = makeClient(transport)
        let west = try client.client(forSecret: Self.westARN, operation: "GetSecretValue")
        #expect(west !== client)
        #expect(west.region == "us-west-2")
        _ = try west.getSecretValue(Self.westARN, context: CallContext(deadline: .after(seconds: 30)))
        let request = try #require(transport.requests.first)
        #expect(request.url == "https://secretsmanager.us-west-2.amazonaws.com/")
        #expect(authorization(request).contains("/us-west-2/secretsmanager/aws4_request"))
        #expect(client.callCounts == ["GetSecretValue": 1], "the other region's calls count too")
        #expect(try client.client(forSecret: Self.westARN, operation: "GetSecretValue") === west, "kept")
    }

    /// SECRETS_MANAGER_ENDPOINT (a VPC endpoint, say) is for the function's own
    /// region; another region takes its own override, else its default.
    @Test func anOverrideServesItsRegionOnly() throws {
        let transport = FakeTransport([.success(.json(200, ["ARN": .string("a"), "VersionId": .string("v")]))])
        let client = SecretsManagerClient(
            region: "us-east-1", endpoint: "https://vpce-1.secretsmanager.us-east-1.vpce.amazonaws.com",
            credentials: testCredentials, transport: transport)
        client.regionalEndpoints = SecretsManagerEndpoint.overrides(fromEnvironment: [
            "SECRETS_MANAGER_ENDPOINT_US_WEST_2": "http://127.0.0.1:4566", "SECRETS_MANAGER_ENDPOINT": "x",
            "SECRETS_MANAGER_ENDPOINT_": "ignored",
        ])
        #expect(client.regionalEndpoints == ["us-west-2": "http://127.0.0.1:4566"])
        _ = try client.client(forSecret: Self.westARN, operation: "GetSecretValue").getSecretValue(Self.westARN)
        #expect(transport.requests.first?.url == "http://127.0.0.1:4566/")
        let east2 = try client.client(
            forSecret: "arn:aws:secretsmanager:us-east-2:1:secret:x", operation: "GetSecretValue")
        #expect(east2.endpoint == "https://secretsmanager.us-east-2.amazonaws.com")
    }

    @Test func anotherPartitionIsRefusedByName() {
        let transport = FakeTransport([])
        let client = makeClient(transport)
        let arn = "arn:aws-cn:secretsmanager:cn-north-1:1:secret:admin"
        let error = catching { _ = try client.client(forSecret: arn, operation: "GetSecretValue") }
        #expect(error?.errorType == "SecretInOtherPartition")
        #expect(error?.description.contains(arn) == true)
        #expect(error?.description.contains("aws-cn") == true)
        #expect(error.map(RetryVerdict.retries) == false)
        #expect(transport.requests.isEmpty)
    }
}
