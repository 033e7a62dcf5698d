import AWSEndpoint
import FoundationEssentials
import Testing

/// One row of the table harness/oracles/endpoint_oracle.py wrote from
/// botocore's own resolution (Tests/EndToEnd/test_endpoint_oracle.py checks
/// that the committed table still matches the installed botocore).
struct OracleCase: Decodable, Sendable, CustomTestStringConvertible {
    struct Expected: Decodable, Sendable {
        var url: String?
        var error: String?
    }
    var service: String
    var region: String
    var fips: Bool
    var dualStack: Bool
    var environment: [String: String]
    var expected: Expected

    var testDescription: String {
        "\(service) \(region) fips=\(fips) dualStack=\(dualStack) env=\(environment.keys.sorted())"
    }
}

struct OracleTable: Decodable {
    var cases: [OracleCase]

    static func load() -> [OracleCase] {
        let path = String(#filePath.dropLast("EndpointTests.swift".count)) + "botocore-endpoints.json"
        do {
            return try JSONDecoder().decode(OracleTable.self, from: Data(contentsOf: URL(fileURLWithPath: path))).cases
        } catch {
            Issue.record("cannot read \(path): \(error)")
            return []
        }
    }
}

@Suite struct EndpointTests {
    @Test(arguments: OracleTable.load())
    func matchesBotocore(_ row: OracleCase) throws {
        let service: AWSService = row.service == "rds" ? .rds : .secretsManager
        let result = Result { () throws(EndpointError) in
            try Endpoint.resolve(
                service: service, region: row.region, fips: row.fips, dualStack: row.dualStack,
                environment: row.environment)
        }
        switch (result, row.expected.url) {
        case (.success(let url), let expected?): #expect(url == expected)
        case (.success(let url), nil):
            Issue.record("botocore refuses (\(row.expected.error ?? "")) but we resolve \(url)")
        case (.failure(let error), let expected?): Issue.record("botocore resolves \(expected) but we fail: \(error)")
        case (.failure(let error), nil):
            #expect(
                error == .variantUnsupported(partition: "aws-iso-e", variant: "dual-stack")
                    || error == .variantUnsupported(partition: "aws-iso-f", variant: "dual-stack"))
        }
    }

    @Test func tableCoversEveryPartition() {
        let regions = OracleTable.load().map(\.region)
        let covered = Set(regions.compactMap { Partition.containing(region: $0)?.name })
        #expect(covered == Set(Partition.all.map(\.name)))
    }

    @Test func legacyVariableComesAfterTheSDKVariables() throws {
        let legacy = ["SECRETS_MANAGER_ENDPOINT": "https://vpce-1.example"]
        #expect(
            try Endpoint.resolve(service: .secretsManager, region: "eu-west-1", environment: legacy)
                == "https://vpce-1.example")
        var both = legacy
        both["AWS_ENDPOINT_URL"] = "https://generic.example"
        #expect(
            try Endpoint.resolve(service: .secretsManager, region: "eu-west-1", environment: both)
                == "https://generic.example")
        both["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = "https://sm.example"
        #expect(
            try Endpoint.resolve(service: .secretsManager, region: "eu-west-1", environment: both)
                == "https://sm.example")
        // The SDK variables can be switched off; the template's own variable cannot.
        both["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "TRUE"
        #expect(
            try Endpoint.resolve(service: .secretsManager, region: "eu-west-1", environment: both)
                == "https://vpce-1.example")
        // RDS has no legacy variable.
        #expect(
            try Endpoint.resolve(service: .rds, region: "eu-west-1", environment: legacy)
                == "https://rds.eu-west-1.amazonaws.com")
    }

    @Test func flagsAreReadLikeBotocore() throws {
        #expect(
            try Endpoint.resolve(
                service: .secretsManager, region: "us-gov-west-1",
                environment: ["AWS_USE_FIPS_ENDPOINT": "True"])
                == "https://secretsmanager-fips.us-gov-west-1.amazonaws.com")
        #expect(
            try Endpoint.resolve(
                service: .secretsManager, region: "us-gov-west-1",
                environment: ["AWS_USE_FIPS_ENDPOINT": "1"])
                == "https://secretsmanager.us-gov-west-1.amazonaws.com")
        #expect(
            try Endpoint.resolve(
                service: .rds, region: "eu-west-1",
                environment: ["AWS_USE_DUALSTACK_ENDPOINT": "true"])
                == "https://rds.eu-west-1.api.aws")
    }

    @Test(arguments: ["xx-west-1", "local", "us-east", "useast-1", "cn-1", "us-gov-"])
    func unknownPartitionIsAnError(_ region: String) {
        #expect(throws: EndpointError.unknownPartition(region: region)) {
            try Endpoint.resolve(
                service: .secretsManager, region: region, fips: false, dualStack: false, environment: [:])
        }
    }

    @Test func endpointVariableMustBeAURL() {
        #expect(throws: EndpointError.notAURL(variable: "AWS_ENDPOINT_URL")) {
            try Endpoint.resolve(
                service: .secretsManager, region: "us-east-1", fips: false, dualStack: false,
                environment: ["AWS_ENDPOINT_URL": "localhost:4566"])
        }
    }
}
