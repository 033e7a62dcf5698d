import AWSCore
import CurlHTTP
import TestSupport
import Testing

@testable import SecretsManager

/// Compares the signer with botocore's `SigV4Auth` (`SigV4Oracle`) on generated requests.
@Suite struct SigV4OracleTests {
    typealias Case = SigV4Oracle.Case
    typealias Answer = SigV4Oracle.Answer

    @Test func generatedRequestsSignAsBotocoreSignsThem() throws {
        var random = SplitMix64(seed: 0x5EC2_E75_516_0A4)
        let cases = (0..<60).map { Self.generatedCase(&random, index: $0) }
        let expected = try SigV4Oracle.sign(cases)
        try #require(expected.count == cases.count)
        for (index, (testCase, answer)) in zip(cases, expected).enumerated() {
            var request = testCase.request
            SigV4Signer(region: testCase.region, service: testCase.service, credentials: testCase.credentials)
                .sign(&request, at: testCase.epochSeconds)
            #expect(
                Answer(signed: request) == answer, "case \(index): \(testCase.request.method) \(testCase.request.url)")
        }
    }

    /// The requests the client really sends, captured from its transport.
    @Test func clientRequestsSignAsBotocoreSignsThem() throws {
        let transport = FakeTransport(Array(repeating: .success(.json(200, [:])), count: 8))
        let credentials = AWSCredentials(
            accessKeyId: "AKIDCLIENT", secretAccessKey: "client/secret+key", sessionToken: "session/token+=")
        let client = SecretsManagerClient(
            region: "eu-central-1", endpoint: "http://127.0.0.1:15000", credentials: credentials,
            transport: transport)
        _ = try? client.describeSecret("prod/mysql/app")
        _ = try? client.getSecretValue(
            "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-AbCdEf",
            versionStage: "AWSPENDING")
        try client.putSecretValue(
            "prod/mysql/app", clientRequestToken: "5f1b3c2a-0000-4000-8000-000000000001",
            secretString: #"{"username":"app","password":"pä$$wörd 🔑","port":3306,"id":9007199254740993}"#,
            versionStages: ["AWSPENDING"], rotationToken: "rotation-token")
        try client.updateSecretVersionStage(
            "prod/mysql/app", versionStage: "AWSCURRENT", moveToVersionId: "v2", removeFromVersionId: "v1")
        _ = try? client.getRandomPassword(RandomPasswordRequest(passwordLength: 32, excludeCharacters: "/@\"'\\"))

        let cases = transport.requests.map {
            Case(sent: $0, credentials: credentials, region: "eu-central-1", service: "secretsmanager")
        }
        try #require(cases.count == 5)
        let expected = try SigV4Oracle.sign(cases)
        // zip stops at the shorter side: an oracle that answered fewer would compare nothing.
        try #require(expected.count == transport.requests.count)
        for (sent, answer) in zip(transport.requests, expected) {
            #expect(sent.headers.first { $0.name == "Authorization" }?.value == answer.authorization)
        }
    }

    // MARK: - Generated requests

    static let endpoints = [
        "https://secretsmanager.us-east-1.amazonaws.com",
        "https://secretsmanager.eu-west-1.amazonaws.com:443",
        "http://127.0.0.1:15000",
        "http://localhost:4566",
        "http://localhost:80",
        "https://localhost:8443",
        "http://[::1]:8080",
        "https://vpce-0a1b2c3d-4e5f.secretsmanager.ap-southeast-2.vpce.amazonaws.com",
    ]
    static let paths = [
        "/", "/", "/", "", "/a/b/c", "/a/./b/../c/", "//double//slashes//", "/caf%C3%A9/x", "/ሴ/über",
        "/$special!*'(),;=@", "/-_.~0123456789", "/a%2Fb/%20space",
    ]
    static let queries = [
        "", "", "", "?b=2&a=1", "?Action=ListUsers&Version=2010-05-08", "?flag", "?k=%E2%98%83&k=a",
        "?empty=&z=last", "?Param1=value2&Param1=Value1",
    ]
    static let targets = [
        "DescribeSecret", "GetSecretValue", "PutSecretValue", "UpdateSecretVersionStage", "GetRandomPassword",
    ]
    static let bodies = [
        "", "{}", #"{"SecretId":"prod/mysql/app"}"#,
        #"{"SecretId":"x","SecretString":"{\"password\":\"pä$$wörd 🔑\",\"id\":9007199254740993}"}"#,
        "日本語のテキスト and emoji 👩‍👩‍👧 and combining e\u{301}",
        "Param1=value1", "line1\nline2\r\n\ttabbed",
    ]
    static let regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"]

    static func generatedCase(_ random: inout SplitMix64, index: Int) -> Case {
        let endpoint = random.pick(endpoints)
        let url = endpoint + random.pick(paths) + random.pick(queries)
        let method = random.pick(["POST", "POST", "POST", "GET", "PUT", "DELETE"])
        var headers: [(name: String, value: String)] = []
        if random.chance(0.8) {
            headers.append(
                (
                    name: random.pick(["Content-Type", "content-type", "CONTENT-TYPE"]),
                    value: "application/x-amz-json-1.1"
                ))
        }
        if random.chance(0.8) {
            headers.append((name: "X-Amz-Target", value: "secretsmanager." + random.pick(targets)))
        }
        if random.chance(0.3) { headers.append((name: "My-Header", value: "  a   b \t c  ")) }
        if random.chance(0.2) {
            headers.append((name: "X-Dup", value: "first"))
            headers.append((name: "x-dup", value: "second"))
        }
        if random.chance(0.2) { headers.append((name: "User-Agent", value: "rotator/1.0")) }
        if random.chance(0.1) { headers.append((name: "Expect", value: "100-continue")) }
        if random.chance(0.1) { headers.append((name: "X-Amz-Content-SHA256", value: "UNSIGNED-PAYLOAD")) }
        if random.chance(0.1) { headers.append((name: "Host", value: "override.example.com")) }

        var body: [UInt8]
        switch random.next() % 10 {
        case 0: body = (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        case 1: body = Array(repeating: UInt8(ascii: "x"), count: 70_000)
        default: body = Array(random.pick(bodies).utf8)
        }
        if index == 0 { body = [] }

        let token: String? =
            random.chance(0.5)
            ? "IQoJb3JpZ2luX2VjE/+token" + String(random.next() % 1_000_000) + "=="
            : nil
        let epochSeconds: Int64 =
            switch index {
            case 0: 0
            case 1: 1_440_938_160
            case 2: 951_868_799  // 2000-02-29T23:59:59Z
            default: Int64(random.next() % 4_102_444_800)
            }
        return Case(
            request: HTTPRequest(method: method, url: url, headers: headers, body: body),
            credentials: AWSCredentials(
                accessKeyId: "AKIA" + String(random.next() % 1_000_000_000),
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCY" + String(random.next() % 100_000),
                sessionToken: token),
            region: random.pick(regions),
            service: random.chance(0.8) ? "secretsmanager" : "service",
            epochSeconds: epochSeconds)
    }
}

/// A small deterministic generator, so a failing case can be found again.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func pick<T>(_ options: [T]) -> T { options[Int(next() % UInt64(options.count))] }
    mutating func chance(_ probability: Double) -> Bool { Double(next() % 10_000) / 10_000 < probability }
}
