import JSON
import Rotation
import TestSupport
import Testing

@testable import Preflight

let functionARN = "arn:aws:lambda:us-east-1:123456789012:function:rotator"
let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-XyZ"

func secret(_ user: String, _ password: String, masterarn: String? = nil) -> String {
    var object: JSONObject = [
        "engine": .string("mariadb"), "host": .string("db.internal"), "username": .string(user),
        "password": .string(password),
    ]
    if let masterarn { object["masterarn"] = .string(masterarn) }
    return object.serialized
}

struct World {
    var secrets = FakeSecrets()
    var network = FakeNetwork()
    var tls = FakeTLS()
    var server = FakeServer()
    var settings = RotationSettings()
    var secondsLeft = 30.0

    init() {
        secrets.values[secrets.facts.arn] = secret("app", "app-password-1", masterarn: adminARN)
        secrets.values[adminARN] = secret("rotation_admin", "admin-password-1")
        server.users["app"] = .init(
            password: "app-password-1", grants: ["GRANT SELECT, INSERT ON `appdb`.* TO `app`@`%`"])
        server.users["rotation_admin"] = .init(
            password: "admin-password-1",
            grants: [
                "GRANT CREATE USER ON *.* TO `rotation_admin`@`%` IDENTIFIED BY PASSWORD '*ABCDEF'",
                "GRANT SELECT ON `mysql`.* TO `rotation_admin`@`%`",
                "GRANT ALL PRIVILEGES ON `appdb`.* TO `rotation_admin`@`%` WITH GRANT OPTION",
            ])
    }

    func run(_ strategy: RotationSettings.Strategy) -> PreflightReport {
        var clock = 0.0
        var preflight = Preflight(
            secrets: secrets, network: network, tls: tls, database: server,
            context: PreflightContext(
                settings: settings, functionARN: functionARN, secondsLeft: secondsLeft,
                secretsManagerEndpoint: "https://secretsmanager.us-east-1.amazonaws.com",
                tlsMode: { $0 == false ? "disabled" : "required" },
                describeError: { ("Test", "\($0)") },
                clock: {
                    clock += 0.002; return clock
                }, placeAdmin: placeAdmin))
        preflight.context.isLoginRefusal = { $0 is FakeRefusal }
        return preflight.run(CheckRequest(secretId: secrets.facts.arn, strategy: strategy))
    }
}

extension World {
    /// The rotation's own placement of the admin secret (`Rotator.placedAdminSecret`), over these fakes.
    var placeAdmin: (DatabaseSecret, String) throws -> DatabaseSecret {
        let rotator = Rotator(
            store: RotatedSecrets(secrets: secrets), database: server, settings: settings, newPassword: { "" })
        return rotator.placedAdminSecret
    }
}

/// `FakeSecrets` as the rotation reads it: AWSCURRENT only, and nothing written.
struct RotatedSecrets: SecretReading, SecretWriting {
    let secrets: FakeSecrets

    func describe(_ secretId: String) throws -> SecretMetadata {
        let facts = try secrets.describe(secretId)
        return SecretMetadata(
            arn: facts.arn, rotationEnabled: facts.rotationEnabled, versionIdsToStages: facts.versionIdsToStages)
    }

    func value(of secretId: String, stage: String, versionId: String?) throws -> StoredSecret? {
        guard stage == Stage.current, versionId == nil, let text = try secrets.currentSecretString(secretId) else {
            return nil
        }
        return StoredSecret(versionId: "v1", secretString: text)
    }

    func putPending(_ secretId: String, token: String, secretString: String, rotationToken: String?) throws {
        Issue.record("the check writes no secret")
    }

    func moveCurrent(_ secretId: String, to token: String, from currentVersionId: String?) throws {
        Issue.record("the check moves no stage")
    }
}

@Suite struct PreflightRunTests {
    @Test(arguments: RotationSettings.Strategy.allCases)
    func healthySecretPassesAndSendsOnlyReads(strategy: RotationSettings.Strategy) {
        let world = World()
        let report = world.run(strategy)
        #expect(report.ok, "\(report.failed)")
        #expect(world.server.statements.allSatisfy { $0.hasPrefix("SELECT ") || $0.hasPrefix("SHOW ") })
        let text = report.json.serialized
        #expect(!text.contains("app-password-1") && !text.contains("admin-password-1") && !text.contains("ABCDEF"))
    }

    @Test func eachBreakageFailsItsOwnCheck() {
        var cases: [(String, (inout World) -> Void, RotationSettings.Strategy)] = []
        cases.append(("rotation-enabled", { $0.secrets.facts.rotationEnabled = false }, .single))
        cases.append(("rotation-function", { $0.secrets.facts.rotationFunctionARN = functionARN + "-other" }, .single))
        cases.append(("stuck-rotation", { $0.secrets.facts.versionIdsToStages["v2"] = ["AWSPENDING"] }, .single))
        cases.append(("login-current", { $0.server.users["app"]!.password = "changed" }, .single))
        cases.append(("tls", { $0.tls.outcome = .notVerified(reason: "certificate verify failed") }, .single))
        cases.append(("admin-secret", { $0.secrets.values[adminARN] = nil }, .admin))
        cases.append(("privileges", { $0.server.users["rotation_admin"]!.grants = [] }, .admin))
        cases.append(("clone-name", { $0.settings.usernameCharacterLimit = 8 }, .alternating))
        cases.append(("time-budget", { $0.secondsLeft = 1.0 }, .single))
        cases.append(
            (
                "authentication",
                {
                    $0.server.createUser["app"] =
                        "CREATE USER `app`@`%` IDENTIFIED VIA AWSAuthenticationPlugin USING 'RDS'"
                }, .admin
            ))
        cases.append(
            (
                "privileged-account", { $0.server.users["app"]!.grants += ["GRANT CREATE USER ON *.* TO `app`@`%`"] },
                .admin
            )
        )
        cases.append(
            (
                "privileged-account",
                {
                    $0.server.users["app"]!.grants += ["GRANT `ops` TO `app`@`%`"]
                    $0.server.roleGrants["`ops`"] = [
                        "GRANT `ops` TO `app`@`%`", "GRANT CONNECTION ADMIN ON *.* TO `ops`",
                    ]
                }, .admin
            ))
        cases.append(("admin-init-connect", { $0.server.initConnect = "SET @x = 1" }, .admin))
        cases.append(("keep-previous", { $0.settings.keepPreviousPassword = true }, .single))
        cases.append(
            (
                "current-password-tls",
                {
                    $0.settings.keepPreviousPassword = true
                    $0.server.verifiedTLS = false
                }, .admin
            ))
        for (name, breakIt, strategy) in cases {
            var world = World()
            breakIt(&world)
            let report = world.run(strategy)
            #expect(report.failed == [name], "\(name): \(report.failed)")
        }
    }

    @Test func unreachableDatabaseStopsTheDatabaseChecks() {
        var world = World()
        world.network.reachable = false
        let report = world.run(.single)
        #expect(report.failed == ["tcp"])
        #expect(!report.checks.contains { $0.name == "login-current" })
        #expect(world.server.statements.isEmpty)
    }

    @Test func unreadableSecretStopsEverything() {
        var world = World()
        world.secrets.describeError = FakeFailure(description: "no route")
        let report = world.run(.single)
        #expect(report.checks.map(\.name) == ["secrets-manager"])
        #expect(!report.ok)
    }
}

@Suite struct CheckRequestTests {
    @Test func parsesACheck() throws {
        let request = try CheckRequest.parse(Array(#"{"Check": {"SecretId": "s", "Strategy": "Admin"}}"#.utf8))
        #expect(request == CheckRequest(secretId: "s", strategy: .admin))
    }

    @Test(arguments: [#"{"SecretId": "s", "ClientRequestToken": "t", "Step": "createSecret"}"#, "not json", "[1]"])
    func otherEventsAreNotChecks(text: String) throws {
        #expect(try CheckRequest.parse(Array(text.utf8)) == nil)
    }

    @Test(arguments: [#"{"Check": 1}"#, #"{"Check": {}}"#, #"{"Check": {"SecretId": "s", "Strategy": "root"}}"#])
    func malformedChecksAreRefused(text: String) {
        #expect(throws: RotationError.self) { try CheckRequest.parse(Array(text.utf8)) }
    }
}

@Suite struct GrantTests {
    @Test func readsPrivilegesObjectsAndOptions() {
        #expect(
            GrantLine("GRANT SELECT, UPDATE (a, b) ON `app db`.`t` TO `u`@`%` WITH GRANT OPTION")
                == .privileges(["SELECT", "UPDATE"], on: GrantObject(database: "app db", name: "t"), grantOption: true))
        #expect(GrantLine("GRANT `app_role` TO `u`@`%` WITH ADMIN OPTION") == .role("app_role", adminOption: true))
        #expect(GrantLine("SET DEFAULT ROLE `r` FOR `u`@`%`") == nil)
    }

    @Test func broaderGrantsCover() {
        let grants = GrantSet(showGrants: ["GRANT ALL PRIVILEGES ON `appdb`.* TO `a`@`%` WITH GRANT OPTION"])
        #expect(grants.holds("SELECT", on: GrantObject(database: "appdb", name: "t"), withGrantOption: true))
        #expect(!grants.holds("SELECT", on: GrantObject(database: "otherdb", name: nil)))
        #expect(!grants.holds("SELECT", on: GrantObject(database: "appdb2", name: nil)))
    }

    @Test func alternatingNeedsGrantOptionAndAdminOption() {
        let user = GrantSet(showGrants: ["GRANT SELECT ON `appdb`.* TO `u`@`%`", "GRANT `r` TO `u`@`%`"])
        let admin = GrantSet(showGrants: [
            "GRANT CREATE USER ON *.* TO `a`@`%`", "GRANT SELECT ON `appdb`.* TO `a`@`%`",
        ])
        #expect(
            PreflightRun.alternatingVerdict(admin: admin, user: user, cloneExists: nil)
                == ["SELECT on mysql.*", "SELECT on appdb.* WITH GRANT OPTION", "role r WITH ADMIN OPTION"])
    }
}

@Suite struct TLSVerdictTests {
    @Test(arguments: [
        ("required", TLSProbe.Outcome.verified, true), ("required", .notOffered, false),
        ("opportunistic", .notOffered, true), ("opportunistic", .notVerified(reason: "x"), false),
        ("disabled", .notVerified(reason: "x"), true), ("required", .noCABundle, false),
    ])
    func verdict(mode: String, outcome: TLSProbe.Outcome, ok: Bool) {
        #expect(PreflightRun.tlsVerdict(mode: mode, probe: TLSProbe(outcome: outcome), host: "h", port: 1).ok == ok)
    }

    @Test func functionQualifiersAreIgnored() {
        #expect(PreflightRun.sameFunction(functionARN + ":live", functionARN))
        #expect(!PreflightRun.sameFunction(functionARN + "2", functionARN))
    }
}

/// Check reveals nothing about an account to a caller who has not logged in
/// as it: before AWSCURRENT's login succeeds, the admin is asked nothing
/// about the account and the report says only that the login was refused.
@Suite struct PreflightBeforeProofTests {
    @Test(arguments: [RotationSettings.Strategy.admin, .alternating])
    func aRefusedLoginLooksNothingUpThroughTheAdmin(strategy: RotationSettings.Strategy) {
        var world = World()
        world.secrets.values[world.secrets.facts.arn] = secret("sock1", "a-guess", masterarn: adminARN)
        // An account the caller may not know of; the admin could read how it logs in.
        world.server.users["sock1"] = .init(password: "never-this", grants: [])
        world.server.createUser["sock1"] = "CREATE USER `sock1`@`localhost` IDENTIFIED VIA unix_socket"
        let report = world.run(strategy)

        let login = report.checks.first { $0.name == "login-current" }
        #expect(login?.ok == false)
        #expect(login?.detail.contains("refused") == true)
        // Only the admin's own session ran: nothing names the account or reads mysql.*.
        #expect(world.server.statements.allSatisfy { !$0.contains("sock1") && !$0.contains("mysql.") })
        #expect(!report.checks.contains { $0.name == "authentication" || $0.name == "privileged-account" })
        let text = report.json.serialized
        #expect(!text.contains("unix_socket") && !text.contains("localhost"))
    }

    @Test func theServersReasonForARefusalIsNotRepeated() {
        var world = World()
        world.server.refusals["app"] = FakeRefusal(description: "Plugin 'AWSAuthenticationPlugin' is not loaded")
        let report = world.run(.admin)
        let login = report.checks.first { $0.name == "login-current" }
        #expect(login?.detail == "the server refused AWSCURRENT's password for app at db.internal:3306")
        #expect(!report.json.serialized.contains("AWSAuthenticationPlugin"))
    }

    @Test func afterTheLoginTheAccountIsReadAsBefore() {
        let world = World()
        let report = world.run(.admin)
        #expect(report.checks.contains { $0.name == "authentication" && $0.ok })
        #expect(world.server.statements.contains { $0.hasPrefix("SHOW CREATE USER") && $0.contains("app") })
    }
}

@Suite struct PrivilegedAccountCheckTests {
    @Test func aRolesPrivilegeIsNamedWithItsPath() {
        var world = World()
        world.server.users["app"]!.grants += ["GRANT `ops` TO `app`@`%`"]
        world.server.roleGrants["`ops`"] = ["GRANT `ops` TO `app`@`%`", "GRANT PROXY ON `root`@`localhost` TO `ops`"]
        let report = world.run(.admin)
        let detail = report.checks.first { $0.name == "privileged-account" }?.detail ?? ""
        #expect(detail.contains("PROXY ON `root`@`localhost` (it may log in as that account) (through role `ops`)"))
    }

    @Test func anAccountWithOnlyHarmlessRolesPasses() {
        var world = World()
        world.server.users["app"]!.grants += ["GRANT `reader` TO `app`@`%`"]
        world.server.roleGrants["`reader`"] = ["GRANT SELECT, SHOW VIEW ON *.* TO `reader`"]
        let report = world.run(.admin)
        #expect(report.ok, "\(report.failed)")
    }

    @Test func anAdminTheServerSparesFromInitConnectIsNotFailed() {
        var world = World()
        world.server.initConnect = "SET NAMES utf8mb4"
        world.server.users["rotation_admin"]!.grants += ["GRANT CONNECTION ADMIN ON *.* TO `rotation_admin`@`%`"]
        let report = world.run(.admin)
        #expect(report.ok, "\(report.failed)")
        #expect(!report.checks.contains { $0.name == "admin-init-connect" })
    }

    @Test func aDatabasePatternCoversTheDatabasesItMatches() {
        let grants = GrantSet(showGrants: [
            "GRANT SELECT ON `%`.* TO `a`@`%` WITH GRANT OPTION", "GRANT INSERT ON `app\\_%`.* TO `a`@`%`",
        ])
        #expect(grants.holds("SELECT", on: GrantObject(database: "appdb", name: "t"), withGrantOption: true))
        #expect(grants.holds("INSERT", on: GrantObject(database: "app_db", name: nil)))
        #expect(!grants.holds("INSERT", on: GrantObject(database: "appXdb", name: nil)))
        let hostile = String(repeating: "%a", count: 31) + "%y"
        let wanted = GrantObject(database: String(repeating: "a", count: 64), name: nil)
        #expect(!GrantSet(showGrants: ["GRANT SELECT ON `\(hostile)`.* TO `a`@`%`"]).holds("SELECT", on: wanted))
    }
}
