import AWSCore
import CurlHTTP
import ErrorTypes
import FoundationEssentials
import LambdaRuntime
import MariaDB
import RDS
import Rotation
import SecretsManager
import Testing

@testable import RotationFunction

/// `ErrorType` is the one list of what the function reports: every error it
/// can throw is reported under an entry of it, every entry is reported by
/// some error, and the errors table (docs/errors.md) lists exactly these.
@Suite struct ErrorTypeTests {
    /// One example of every case of every error the function reports. Each
    /// enum's `caseNumber` below is an exhaustive switch, so a new case does
    /// not compile until it is numbered, and then fails `everyCaseHasAnExample`
    /// until it has an example here.
    static let rotationErrors: [RotationError] = [
        .invalidEvent("missing key 'Step'"),
        .rotationNotEnabled(secretId: "s"),
        .versionNotFound(secretId: "s", token: "t"),
        .versionNotPending(secretId: "s", token: "t"),
        .stageHasNoValue(secretId: "s", stage: Stage.previous),
        .invalidSecret(secretId: "s", stage: Stage.current, problem: .missingKey("host")),
        .pendingMismatch(secretId: "s", field: "host"),
        .noWorkingLogin(secretId: "s", tried: [Stage.current]),
        .pendingDoesNotLogIn(secretId: "s", login: "app@db:3306"),
        .unexpectedServerAnswer("no rows"),
        .adminElsewhere(secretId: "s", adminSecretId: "a"),
        .adminLoginFailed(secretId: "s", adminSecretId: "a"),
        .usernameTooLong(secretId: "s", limit: 32),
        .accountNotCopyable(secretId: "s", account: "'app'@'%'", problem: .severalAuthenticationMethods),
        .adminHasNoDatabase(secretId: "s", adminSecretId: "a"),
        .adminDatabaseNotFound(adminSecretId: "a", resource: "arn:aws:rds:us-east-1:1:db:gone"),
        .adminDatabaseUnsupported(adminSecretId: "a", resource: "arn:aws:rds:us-east-1:1:db:pg", engine: "postgres"),
        .currentPasswordNeedsTLS(login: "app@db:3306", server: "MySQL 8.0.36"),
        .accountMismatch(secretId: "s", field: "username"),
        .keptPasswordNeedsTLS(login: "app@db:3306", server: "MariaDB 10.11.6"),
        .accountHoldsNoPassword(secretId: "s", account: "'app'@'%'", plugins: ["AWSAuthenticationPlugin"]),
        .privilegedAccount(secretId: "s", account: "'app'@'%'", reasons: ["CREATE USER ON *.*"]),
        .keepPreviousUnsupported(secretId: "s", account: "'app'@'%'", obstacle: .missingPrivilege("CREATE USER")),
        .passwordNotChangeable(secretId: "s", account: "'app'@'%'", problem: .oldPasswordWouldRemain),
        .keptPasswordDoesNotLogIn(secretId: "s", login: "app@db:3306"),
        .authPluginUnavailable(secretId: "s", account: "'app'@'%'", plugin: "ed25519", server: "MariaDB 10.11.6"),
        .adminRunsInitConnect(secretId: "s", admin: "'admin'@'%'"),
    ]
    /// RDS has no failure of its own: its error is the shared AWS error's four cases.
    static let rdsErrors: [RDSError] = rdsCauses.map(RDSError.init)
    static let rdsCauses: [AWSError] = [
        .service(operation: "DescribeDBInstances", code: "DBInstanceNotFound", message: nil, status: 404, host: "h"),
        .transport(
            operation: "DescribeDBInstances", HTTPError(kind: .timedOut, host: "h", curlCode: 28, reason: "timeout"),
            host: "h"),
        .invalidResponse(operation: "DescribeDBInstances", reason: "not XML", host: "h"),
        .deadlineExceeded(operation: "DescribeDBInstances", host: "h"),
    ]
    static let secretsManagerErrors: [SecretsManagerError] = [
        .aws(
            .service(
                operation: "GetSecretValue", code: "ResourceNotFoundException", message: nil, status: 400, host: "h")),
        .aws(
            .service(
                operation: "DescribeSecret", code: "ThrottlingException", message: "slow down", status: 400, host: "h")),
        .aws(
            .transport(
                operation: "DescribeSecret", HTTPError(kind: .timedOut, host: "h", curlCode: 28, reason: "timeout"),
                host: "h")),
        .aws(.invalidResponse(operation: "DescribeSecret", reason: "not JSON", host: "h")),
        .aws(.deadlineExceeded(operation: "DescribeSecret", host: "h")),
        .otherPartition(
            operation: "GetSecretValue", secretId: "arn:aws-cn:secretsmanager:cn-north-1:1:secret:a",
            partition: "aws-cn", functionRegion: "us-east-1", functionPartition: "aws"),
        .invalidARN(operation: "GetSecretValue", problem: "names a region that belongs to no AWS partition"),
    ]
    static let mariaDBErrors: [MariaDBError] = [
        .accessDenied(user: "app", host: "db", port: 3306),
        .loginRefused(user: "app", host: "db", port: 3306, code: 4151, message: "locked"),
        .unreachable(host: "db", port: 3306, code: 2002, message: "refused"),
        .tlsRequiredButUnavailable(host: "db", port: 3306),
        .tlsFailed(host: "db", port: 3306, reason: .unknownCA, message: "bad certificate", caBundle: "/ca.pem"),
        .insecureAuthentication(host: "db", port: 3306),
        .statementFailed(code: 1064, sqlState: "42000", message: nil),
        .connectionLost(code: 2013),
        .invalidHost(port: 3306),
    ]
    static let configurationErrors: [ConfigurationError] = [
        .invalid(name: "MAX_ATTEMPTS", expected: "an integer from 1 to 10"),
        .missing(name: "AWS_REGION"),
    ]
    static let deploymentErrors: [DeploymentError] = [
        .noCABundle, .deadline(host: "db", port: 3306), .accountChangeNeedsTLS(host: "db", port: 3306),
    ]

    /// An error the function never describes, which Lambda.describe reports by its type only.
    struct Unforeseen: Error {}

    static var allErrors: [any Error] {
        rotationErrors + secretsManagerErrors + rdsErrors + mariaDBErrors + configurationErrors + deploymentErrors
            + [
                LoginRejected(username: "app", host: "db", port: 3306),
                UnsafeSessionCharacterSet(host: "db", port: 3306, setting: "character_set_client", value: "gbk"),
                Unforeseen(),
            ] as [any Error] + revokeErrors
    }

    static var revokeErrors: [any Error] {
        [
            RevokeError.notThisFunction(secretId: "s", rotatedBy: nil, this: "f"),
            RevokeError.rotationInProgress(secretId: "s", pendingVersions: ["v"]),
            RevokeError.currentNotPrimary(secretId: "s", account: "'app'@'%'", reason: .unprovable(plugin: "parsec")),
            RevokeError.stillLogsIn(secretId: "s", stage: Stage.previous),
            RevokeError.currentRefusedAfterRevoke(secretId: "s"),
        ]
    }

    /// The entry `error` is reported under, or nil if its errorType is not in the list.
    func listed(_ error: any Error) -> ErrorType? {
        let reported = Lambda.describe(error).type
        // Secrets Manager's own types are passed through under their own names.
        if case SecretsManagerError.aws(.service(_, let type, _, _, _)) = error {
            return reported == type ? .secretsManagerService : nil
        }
        let entry = ErrorType(rawValue: reported)
        return entry == .secretsManagerService ? nil : entry
    }

    @Test(arguments: allErrors.indices)
    func everyErrorIsReportedUnderAListedType(_ index: Int) {
        let error = Self.allErrors[index]
        #expect(listed(error) != nil, "\(Lambda.describe(error).type) is not in ErrorType")
    }

    @Test func everyListedTypeIsReportedBySomeError() {
        // The loop reports two types of its own, for invocations no handler saw through.
        let byTheLoop = [Lambda.invalidInvocationErrorType, Lambda.responseNotAcceptedErrorType]
        let reported = Set(Self.allErrors.compactMap(listed) + byTheLoop.compactMap(ErrorType.init(rawValue:)))
        #expect(
            Set(ErrorType.allCases).subtracting(reported).isEmpty,
            "never reported: \(Set(ErrorType.allCases).subtracting(reported))")
    }

    @Test func everyCaseHasAnExample() {
        func check(_ numbers: [Int], count: Int, _ name: String) {
            #expect(Set(numbers) == Set(0..<count), "\(name): an example per case, numbered 0..<\(count)")
        }
        check(Self.rotationErrors.map(Self.caseNumber), count: 27, "RotationError")
        check(Self.secretsManagerErrors.map(Self.caseNumber), count: 6, "SecretsManagerError")
        check(Self.rdsErrors.map(Self.caseNumber), count: 4, "RDSError")
        check(Self.mariaDBErrors.map(Self.caseNumber), count: 9, "MariaDBError")
        check(Self.configurationErrors.map(Self.caseNumber), count: 2, "ConfigurationError")
        check(Self.deploymentErrors.map(Self.caseNumber), count: 3, "DeploymentError")
    }

    static func caseNumber(_ error: RotationError) -> Int {
        switch error {
        case .invalidEvent: 0
        case .rotationNotEnabled: 1
        case .versionNotFound: 2
        case .versionNotPending: 3
        case .stageHasNoValue: 4
        case .invalidSecret: 5
        case .pendingMismatch: 6
        case .noWorkingLogin: 7
        case .pendingDoesNotLogIn: 8
        case .unexpectedServerAnswer: 9
        case .adminElsewhere: 10
        case .adminLoginFailed: 11
        case .usernameTooLong: 12
        case .accountNotCopyable: 13
        case .adminHasNoDatabase: 14
        case .adminDatabaseNotFound: 15
        case .adminDatabaseUnsupported: 16
        case .currentPasswordNeedsTLS: 17
        case .accountMismatch: 18
        case .accountHoldsNoPassword: 19
        case .privilegedAccount: 20
        case .keepPreviousUnsupported: 21
        case .passwordNotChangeable: 22
        case .keptPasswordDoesNotLogIn: 23
        case .keptPasswordNeedsTLS: 24
        case .adminRunsInitConnect: 25
        case .authPluginUnavailable: 26
        }
    }

    /// The shared AWS error's cases, first in both services' numbering.
    static func caseNumber(_ error: AWSError) -> Int {
        switch error {
        case .service: 0
        case .transport: 1
        case .invalidResponse: 2
        case .deadlineExceeded: 3
        }
    }

    static func caseNumber(_ error: SecretsManagerError) -> Int {
        switch error {
        case .aws(let error): caseNumber(error)
        case .otherPartition: 4
        case .invalidARN: 5
        }
    }

    static func caseNumber(_ error: RDSError) -> Int { caseNumber(error.cause) }

    static func caseNumber(_ error: MariaDBError) -> Int {
        switch error {
        case .accessDenied: 0
        case .loginRefused: 1
        case .unreachable: 2
        case .tlsRequiredButUnavailable: 3
        case .tlsFailed: 4
        case .statementFailed: 5
        case .connectionLost: 6
        case .insecureAuthentication: 7
        case .invalidHost: 8
        }
    }

    static func caseNumber(_ error: ConfigurationError) -> Int {
        switch error {
        case .invalid: 0
        case .missing: 1
        }
    }

    static func caseNumber(_ error: DeploymentError) -> Int {
        switch error {
        case .noCABundle: 0
        case .deadline: 1
        case .accountChangeNeedsTLS: 2
        }
    }

    /// The first cell of each row of the errors table (docs/errors.md), backticks removed.
    static func readmeErrorTypes() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let page = String(
            decoding: try Data(contentsOf: root.appendingPathComponent("docs/errors.md")), as: UTF8.self)
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
        guard let heading = lines.firstIndex(of: "# Errors") else { return [] }
        let table = lines[(heading + 1)...].drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
        // Past the header row and the |---| row.
        return table.dropFirst(2).map { row in
            let cell = row.split(separator: "|", omittingEmptySubsequences: false)[1]
            return String(cell.filter { $0 != "`" }.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        }
    }

    @Test func theREADMEsErrorsTableListsExactlyTheseTypes() throws {
        let documented = try Self.readmeErrorTypes()
        #expect(documented.count == Set(documented).count, "a type is listed twice")
        #expect(Set(documented) == Set(ErrorType.allCases.map(\.rawValue)))
    }
}
