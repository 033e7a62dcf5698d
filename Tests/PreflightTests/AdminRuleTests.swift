import JSON
import Rotation
import Testing

@testable import Preflight

/// The Check logs in as setSecret would: the admin TLS rule on both logins,
/// and the admin secret read through the rotation's own code.
@Suite struct AdminRuleTests {
    func withSSL(_ text: String, _ ssl: Bool?) -> String {
        guard var object = (try? JSONValue(parsing: text))?.objectValue else { return text }
        if let ssl { object["ssl"] = .bool(ssl) }
        return object.serialized
    }

    func run(_ world: World, place: ((DatabaseSecret, String) throws -> DatabaseSecret)? = nil) -> PreflightReport {
        let context = PreflightContext(
            settings: world.settings, functionARN: functionARN, secondsLeft: 30,
            secretsManagerEndpoint: "https://secretsmanager.us-east-1.amazonaws.com",
            tlsMode: { $0 == false ? "disabled" : "required" }, describeError: { ("Test", "\($0)") },
            clock: { 0 }, placeAdmin: place ?? world.placeAdmin)
        let preflight = Preflight(
            secrets: world.secrets, network: world.network, tls: world.tls, database: world.server, context: context)
        return preflight.run(CheckRequest(secretId: world.secrets.facts.arn, strategy: .admin))
    }

    static let pairs: [(Bool?, Bool?)] = [
        (true, nil), (true, false), (nil, true), (false, nil), (false, false), (nil, nil),
    ]

    /// Whatever the keys say, the Check's admin login and its login with
    /// AWSCURRENT are verified TLS only, as setSecret's are.
    @Test(arguments: pairs)
    func bothLoginsAreVerifiedTLSOnly(rotated: Bool?, admin: Bool?) throws {
        var world = World()
        let arn = world.secrets.facts.arn
        world.secrets.values[arn] = withSSL(world.secrets.values[arn]!, rotated)
        world.secrets.values[adminARN] = withSSL(world.secrets.values[adminARN]!, admin)
        _ = run(world)
        let adminLogins = world.server.logins.filter { $0.username == "rotation_admin" }
        let rotatedLogins = world.server.logins.filter { $0.username == "app" }
        #expect(!adminLogins.isEmpty && adminLogins.allSatisfy { $0.protection(requireTLS: false) == .verified })
        #expect(!rotatedLogins.isEmpty && rotatedLogins.allSatisfy { $0.protection(requireTLS: false) == .verified })
    }

    @Test func theRotationsPlacementIsUsedWhenGiven() throws {
        let world = World()
        let placed = try DatabaseSecret(parsing: secret("rotation_admin", "admin-password-1"))
        var asked: [String] = []
        let report = run(world) { _, secretId in
            asked.append(secretId)
            return placed
        }
        #expect(asked == [world.secrets.facts.arn])
        #expect(report.checks.first { $0.name == "admin-secret" }?.ok == true)
        #expect(report.checks.first { $0.name == "login-admin" }?.ok == true)
    }

    @Test func aPlacementThatFailsFailsTheAdminSecretCheck() {
        struct NoDatabase: Error, CustomStringConvertible {
            var description: String { "no host key and no tag" }
        }
        let world = World()
        let report = run(world) { _, _ in throw NoDatabase() }
        let check = report.checks.first { $0.name == "admin-secret" }
        #expect(check?.ok == false)
        #expect(check?.detail.contains("no host key and no tag") == true)
        #expect(!world.server.logins.contains { $0.username == "rotation_admin" })
    }
}
