import AWSEndpoint
import Testing

@testable import SecretsManager

/// A `masterarn`'s region goes into a host name: only a region of a known
/// partition, in the ARN's own partition, is ever made into a URL.
@Suite struct RegionCheckTests {
    static let hostileRegions = [
        "x@127.0.0.1/", "127.0.0.1", "us-east-1.evil.example", "us-east-1/", "us-east-1#", "us-east-1?x",
        "us-east-1 ", " us-east-1", "us-east-x", "us-east", "us--1", "us-east-1-", "zz-east-1", "localhost",
        "us-eаst-1", "us-east-١", "US-EAST-1", "us-east-1\u{0}", "us-east-1%2f", "evil.example#us-east-1",
        "cn-north-1.amazonaws.com",
    ]

    @Test(arguments: hostileRegions)
    func aStringThatIsNoRegionHasNoPartitionAndNoEndpoint(_ region: String) {
        #expect(Partition.containing(region: region) == nil)
        #expect(SecretsManagerEndpoint.regionalDefault(region) == nil)
    }

    @Test(arguments: hostileRegions)
    func aMasterARNWithAHostileRegionSendsNothing(_ region: String) {
        let transport = FakeTransport([])
        let client = makeClient(transport)
        let arn = "arn:aws:secretsmanager:\(region):123456789012:secret:admin"
        let error = catching { _ = try client.client(forSecret: arn, operation: "GetSecretValue") }
        #expect(error?.errorType == "InvalidSecretARN")
        #expect(error?.description.contains(region) == false, "the region is not repeated")
        #expect(transport.requests.isEmpty)
    }

    @Test(arguments: [
        ("arn:aws:secretsmanager:cn-north-1:1:secret:a", "partition aws"),
        ("arn:aws:secretsmanager:us-gov-west-1:1:secret:a", "partition aws"),
        ("arn:aws-cn:secretsmanager:us-west-2:1:secret:a", "partition aws-cn"),
        ("arn:evil:secretsmanager:us-west-2:1:secret:a", "an unknown partition"),
    ])
    func theARNsPartitionMustBeItsRegions(_ arn: String, _ named: String) {
        let transport = FakeTransport([])
        let client = makeClient(transport)
        let error = catching { _ = try client.client(forSecret: arn, operation: "GetSecretValue") }
        #expect(error?.errorType == "InvalidSecretARN")
        #expect(error?.description.contains(named) == true)
        #expect(transport.requests.isEmpty)
    }

    @Test(arguments: ["us-west-2", "eu-central-2", "ap-southeast-7", "mx-central-1"])
    func aKnownRegionOfTheSamePartitionIsRead(_ region: String) throws {
        let client = makeClient(FakeTransport([]))
        let other = try client.client(
            forSecret: "arn:aws:secretsmanager:\(region):1:secret:a", operation: "GetSecretValue")
        #expect(other.endpoint == "https://secretsmanager.\(region).amazonaws.com")
    }
}
