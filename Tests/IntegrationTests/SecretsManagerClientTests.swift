import AWSCore
import CurlHTTP
import Foundation
import JSON
import SecretsManager
import Testing

/// The client against moto's Secrets Manager, which scripts/test.sh starts
/// and describes through `SECRETS_MANAGER_ENDPOINT`, `AWS_REGION` and the
/// `AWS_*` credentials. Secrets are compared by digest or as booleans so a
/// failure never prints one.
@Suite(.serialized) struct SecretsManagerClientIntegrationTests {
    let client: SecretsManagerClient
    let endpoint: String
    let region: String

    init() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["SECRETS_MANAGER_ENDPOINT"], let region = environment["AWS_REGION"],
            let credentials = AWSCredentials.fromEnvironment(environment)
        else {
            Issue.record(
                """
                SECRETS_MANAGER_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set: \
                run the tests through scripts/test.sh, which starts moto and sets them.
                """)
            throw MissingEnvironment()
        }
        self.endpoint = endpoint
        self.region = region
        client = SecretsManagerClient(region: region, endpoint: endpoint, credentials: credentials)
    }

    struct MissingEnvironment: Error {}

    // MARK: - Helpers

    func createSecret(_ secretString: String) throws -> (name: String, arn: String, versionId: String) {
        let name = "it/sm/\(UUID().uuidString.lowercased())"
        let result = try client.call(
            "CreateSecret",
            [
                "Name": .string(name), "SecretString": .string(secretString),
                "ClientRequestToken": .string(UUID().uuidString.lowercased()),
            ])
        let arn = try #require(result["ARN"]?.stringValue)
        let versionId = try #require(result["VersionId"]?.stringValue)
        return (name, arn, versionId)
    }

    func deleteSecret(_ name: String) {
        _ = try? client.call(
            "DeleteSecret", ["SecretId": .string(name), "ForceDeleteWithoutRecovery": .bool(true)])
    }

    static func digest(_ text: String?) -> String {
        guard let text else { return "nil" }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: enough to tell strings apart without showing them
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "\(text.utf8.count) bytes, fnv \(String(hash, radix: 16))"
    }

    // MARK: - Operations

    @Test func describeAndGetTheCurrentVersion() throws {
        let created = try createSecret(#"{"username":"app","password":"initial"}"#)
        defer { deleteSecret(created.name) }

        let described = try client.describeSecret(created.name)
        #expect(described.arn == created.arn)
        #expect(described.name == created.name)
        #expect(described.versionIdsToStages[created.versionId] == ["AWSCURRENT"])
        #expect(described.rotationEnabled != true)

        let current = try client.getSecretValue(created.arn)
        #expect(current.arn == created.arn)
        #expect(current.versionId == created.versionId)
        #expect(current.versionStages == ["AWSCURRENT"])
        #expect(Self.digest(current.secretString) == Self.digest(#"{"username":"app","password":"initial"}"#))
        let byStage = try client.getSecretValue(created.name, versionStage: "AWSCURRENT")
        #expect(byStage.versionId == created.versionId)
    }

    /// The whole rotation dance: put AWSPENDING, read it back, move AWSCURRENT.
    @Test func putPendingThenPromoteIt() throws {
        let created = try createSecret(#"{"password":"old"}"#)
        defer { deleteSecret(created.name) }
        let token = UUID().uuidString.lowercased()
        let pending = #"{"password":"new"}"#

        try client.putSecretValue(
            created.name, clientRequestToken: token, secretString: pending, versionStages: ["AWSPENDING"],
            rotationToken: UUID().uuidString)
        // The same token and string again is the retry of a lost answer, which must succeed.
        try client.putSecretValue(
            created.name, clientRequestToken: token, secretString: pending, versionStages: ["AWSPENDING"])

        var stages = try client.describeSecret(created.name).versionIdsToStages
        #expect(stages[token] == ["AWSPENDING"])
        #expect(stages[created.versionId] == ["AWSCURRENT"])

        let read = try client.getSecretValue(created.name, versionId: token, versionStage: "AWSPENDING")
        #expect(read.versionId == token)
        #expect(Self.digest(read.secretString) == Self.digest(pending))

        try client.updateSecretVersionStage(
            created.name, versionStage: "AWSCURRENT", moveToVersionId: token, removeFromVersionId: created.versionId)
        try client.updateSecretVersionStage(
            created.name, versionStage: "AWSPENDING", moveToVersionId: nil, removeFromVersionId: token)

        stages = try client.describeSecret(created.name).versionIdsToStages
        #expect(stages[token] == ["AWSCURRENT"])
        #expect(stages[created.versionId] == ["AWSPREVIOUS"])
        // Explicitly by stage: moto answers a bare GetSecretValue from the
        // version the secret was created with, not from AWSCURRENT.
        let current = try client.getSecretValue(created.name, versionStage: "AWSCURRENT")
        #expect(current.versionId == token)
        #expect(client.callCounts["UpdateSecretVersionStage"] == 2)
    }

    /// A 64-bit id that a `Double` would round and text in several scripts.
    @Test func aSecretStringSurvivesExactly() throws {
        let created = try createSecret("{}")
        defer { deleteSecret(created.name) }
        let secret =
            #"{"id":9007199254740993,"max":18446744073709551615,"ratio":1.0000000000000000001,"#
            + #""password":"pä$$wörd 🔑 日本語 \"quoted\" back\\slash","note":"e\u0301 é \n tab\t"}"#
        let token = UUID().uuidString.lowercased()
        try client.putSecretValue(
            created.name, clientRequestToken: token, secretString: secret, versionStages: ["AWSPENDING"])
        let read = try client.getSecretValue(created.name, versionStage: "AWSPENDING")
        let identical = read.secretString.map { Array($0.utf8) == Array(secret.utf8) } ?? false
        #expect(
            identical,
            "the secret string changed on its way: \(Self.digest(read.secretString)) vs \(Self.digest(secret))")
    }

    @Test func randomPasswordsFollowTheRequest() throws {
        let excluded = #"/@"'\ "#
        let password = try client.getRandomPassword(
            RandomPasswordRequest(
                passwordLength: 40, excludeCharacters: excluded, excludePunctuation: false, includeSpace: false,
                requireEachIncludedType: true))
        #expect(password.count == 40)
        #expect(!password.contains { excluded.contains($0) }, "an excluded character appeared")

        let digitsOnly = try client.getRandomPassword(
            RandomPasswordRequest(
                passwordLength: 12, excludePunctuation: true, excludeUppercase: true, excludeLowercase: true))
        #expect(digitsOnly.count == 12)
        let allDigits = digitsOnly.allSatisfy { $0.isNumber }
        #expect(allDigits, "only digits were asked for")
    }

    // MARK: - Errors

    @Test func anUnknownSecretIsResourceNotFound() {
        var thrown: SecretsManagerError?
        do {
            _ = try client.getSecretValue("it/sm/does-not-exist-\(UUID().uuidString)")
        } catch {
            thrown = error
        }
        guard let error = thrown else {
            Issue.record("reading an unknown secret succeeded")
            return
        }
        #expect(error.isResourceNotFound)
        #expect(error.errorType == "ResourceNotFoundException")
        #expect(!retries(error))
        #expect(error.description.contains(client.host))
        #expect(error.description.contains("GetSecretValue"))
        #expect(client.callCounts["GetSecretValue"] == 1, "not retried")

        do {
            _ = try client.describeSecret("it/sm/does-not-exist-\(UUID().uuidString)")
            Issue.record("describing an unknown secret succeeded")
        } catch {
            #expect(error.isResourceNotFound)
        }
    }

    @Test func aStageOnAVersionThatDoesNotHoldItIsRejected() throws {
        let created = try createSecret("{}")
        defer { deleteSecret(created.name) }
        do {
            try client.updateSecretVersionStage(
                created.name, versionStage: "AWSCURRENT", moveToVersionId: created.versionId,
                removeFromVersionId: "00000000-0000-4000-8000-000000000000")
            Issue.record("moving a stage from a version that does not hold it succeeded")
        } catch {
            #expect(error.errorType == "InvalidParameterException", "got \(error.errorType)")
            #expect(!retries(error))
        }
    }

    @Test func anUnreachableEndpointIsATransportErrorAfterEveryAttempt() {
        let sleeps = SleepLog()
        let unreachable = SecretsManagerClient(
            region: region, endpoint: "http://127.0.0.1:1",
            credentials: AWSCredentials(accessKeyId: "AKID", secretAccessKey: "unused"),
            transport: HTTPClient(), maxAttempts: 2, connectTimeout: 1, requestTimeout: 2,
            backoff: Backoff(random: { 0.01 }, sleep: { sleeps.seconds.append($0) }))
        do {
            _ = try unreachable.describeSecret("x")
            Issue.record("a closed port answered")
        } catch {
            guard case .aws(.transport(let operation, let httpError, _)) = error else {
                Issue.record("expected a transport error, got \(error)")
                return
            }
            #expect(operation == "DescribeSecret")
            #expect(httpError.kind == .couldNotConnect)
            #expect(error.errorType == "SecretsManagerTransportError")
        }
        #expect(unreachable.callCounts["DescribeSecret"] == 2)
        #expect(sleeps.seconds == [0.01])
    }

    final class SleepLog: @unchecked Sendable {
        var seconds: [Double] = []
    }
}

/// What AWSCore's `RetryPolicy`, by which the client's request loop decides, says of the error's answer.
private func retries(_ error: SecretsManagerError) -> Bool {
    guard case .aws(.service(_, let code, _, let status, _)) = error else { return false }
    return RetryPolicy.retries(code: code, status: status)
}
