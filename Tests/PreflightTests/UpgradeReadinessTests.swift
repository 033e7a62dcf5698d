import Rotation
import TestSupport
import Testing

@testable import Preflight

/// One row: the server's version string, the account's plugin, AUTH_PLUGIN,
/// KEEP_PREVIOUS_PASSWORD, and the verdict's level and a phrase it must say.
struct ReadinessRow: Sendable, CustomTestStringConvertible {
    var version: String
    var plugin: String
    var target: AuthPlugin
    var keepPrevious = false
    var level: PluginReadiness.Level
    var says: String
    var advises: String?

    var testDescription: String { "\(version) \(plugin) AUTH_PLUGIN=\(target.rawValue)" }
}

@Suite struct UpgradeReadinessTests {
    static let rows: [ReadinessRow] = [
        // MySQL, AUTH_PLUGIN=keep: what each version does to mysql_native_password.
        .init(
            version: "8.0.33", plugin: "mysql_native_password", target: .keep, level: .warn,
            says: "deprecated from MySQL 8.0.34", advises: "AUTH_PLUGIN=caching_sha2_password"),
        .init(
            version: "8.0.36", plugin: "mysql_native_password", target: .keep, level: .warn,
            says:
                "deprecated since MySQL 8.0.34; after an upgrade to 8.4 it logs in only with the server's mysql_native_password=ON, and on 9.x not at all",
            advises: "Set AUTH_PLUGIN=caching_sha2_password"),
        .init(
            version: "8.4.3", plugin: "mysql_native_password", target: .keep, level: .warn,
            says: "logs in only while the server runs with mysql_native_password=ON",
            advises: "Set AUTH_PLUGIN=caching_sha2_password"),
        .init(
            version: "9.0.1", plugin: "mysql_native_password", target: .keep, level: .fail,
            says: "MySQL 9.0 removed it, so the account cannot log in", advises: "caching_sha2_password"),
        .init(
            version: "8.0.36", plugin: "sha256_password", target: .keep, level: .warn, says: "deprecated",
            advises: "Set AUTH_PLUGIN=caching_sha2_password"),
        .init(
            version: "8.4.3", plugin: "caching_sha2_password", target: .keep, level: .pass,
            says: "8.4 and 9.x keep it"),
        .init(
            version: "9.0.1", plugin: "caching_sha2_password", target: .keep, level: .pass, says: "9.x keep it"),
        // MySQL, AUTH_PLUGIN set.
        .init(
            version: "8.0.36", plugin: "mysql_native_password", target: .cachingSHA2, level: .pass,
            says: "the next rotation moves it to caching_sha2_password"),
        .init(
            version: "8.4.3", plugin: "mysql_native_password", target: .cachingSHA2, keepPrevious: true,
            level: .pass,
            says:
                "MySQL cannot RETAIN CURRENT PASSWORD with a plugin change, so that rotation does not keep the previous password"
        ),
        .init(
            version: "8.0.36", plugin: "caching_sha2_password", target: .cachingSHA2, level: .pass,
            says: "on that plugin already"),
        .init(
            version: "8.0.36", plugin: "caching_sha2_password", target: .nativePassword, level: .warn,
            says: "is weaker, so the rotation keeps caching_sha2_password", advises: "keep or caching_sha2_password"),
        .init(
            version: "8.0.36", plugin: "mysql_native_password", target: .ed25519, level: .fail,
            says: "AUTH_PLUGIN=ed25519 is not a plugin MySQL 8.0.36 has"),
        .init(
            version: "5.7.44-log", plugin: "mysql_native_password", target: .cachingSHA2, level: .fail,
            says: "is not a plugin MySQL 5.7.44 has"),
        // MariaDB.
        .init(
            version: "10.11.6-MariaDB", plugin: "mysql_native_password", target: .keep, level: .pass,
            says:
                "MariaDB recommends ed25519; AUTH_PLUGIN=keep writes it back unchanged, AUTH_PLUGIN=ed25519 moves it at its next rotation"
        ),
        .init(
            version: "10.11.6-MariaDB", plugin: "ed25519", target: .keep, level: .pass,
            says: "MariaDB's recommended plugin"),
        .init(
            version: "10.11.6-MariaDB", plugin: "mysql_native_password", target: .ed25519, keepPrevious: true,
            level: .pass,
            says:
                "moves it to ed25519, its other methods kept; KEEP_PREVIOUS_PASSWORD: that rotation keeps the previous password as a mysql_native_password second method"
        ),
        .init(
            version: "10.11.6-MariaDB", plugin: "ed25519", target: .nativePassword, level: .warn,
            says: "so the rotation keeps ed25519 (never a weaker plugin)"),
        .init(
            version: "10.11.6-MariaDB", plugin: "mysql_native_password", target: .cachingSHA2, level: .fail,
            says: "is not a plugin MariaDB 10.11.6 has", advises: "keep or ed25519"),
        .init(
            version: "10.3.39-MariaDB", plugin: "mysql_native_password", target: .ed25519, level: .fail,
            says: "is not a plugin MariaDB 10.3.39 has"),
        .init(
            version: "11.6.2-MariaDB", plugin: "parsec", target: .keep, level: .fail,
            says: "the function's client library has no parsec plugin", advises: "ed25519"),
        .init(
            version: "11.6.2-MariaDB", plugin: "parsec", target: .ed25519, level: .fail,
            says: "no parsec plugin"),
    ]

    @Test(arguments: rows)
    func verdict(row: ReadinessRow) throws {
        let server = try #require(ServerVersion(row.version))
        let verdict = UpgradeReadiness.verdict(
            plugin: row.plugin, server: server, target: row.target, keepPrevious: row.keepPrevious)
        #expect(verdict.level == row.level, "\(verdict.detail)")
        #expect(verdict.detail.hasPrefix("\(row.plugin) on \(server): "))
        #expect(verdict.detail.contains(row.says), "\(verdict.detail)")
        if let advises = row.advises {
            #expect(verdict.advice?.contains(advises) == true, "\(verdict.advice ?? "no advice")")
        } else if row.level == .pass {
            #expect(verdict.advice == nil)
        }
    }

    @Test(arguments: [("ed25519", PluginReadiness.Level.pass), ("mysql_native_password", .fail)])
    func aTargetTheServerHasNotLoadedIsRefused(loaded: String, level: PluginReadiness.Level) throws {
        let server = try #require(ServerVersion("10.11.6-MariaDB"))
        let verdict = UpgradeReadiness.verdict(
            plugin: "mysql_native_password", server: server, target: .ed25519, activePlugins: [loaded])
        #expect(verdict.level == level, "\(verdict.detail)")
        if level == .fail { #expect(verdict.advice?.contains("INSTALL SONAME 'auth_ed25519'") == true) }
    }

    @Test func fleetCountsSecretsPerPluginWithZeros() {
        func verdict(_ name: String, _ plugin: String?) -> SecretVerdict {
            var report = PreflightReport(secretId: name, strategy: "self")
            report.plugin = plugin
            return SecretVerdict(arn: name, name: name, state: .checked(report), now: 0)
        }
        let report = FleetReport(
            functionARN: functionARN, namePrefix: nil,
            secrets: [
                verdict("a", "mysql_native_password"), verdict("b", "mysql_native_password"), verdict("c", "ed25519"),
                verdict("d", nil), verdict("e", "gssapi_password"),
                SecretVerdict(arn: "f", name: "f", state: .notChecked(reason: "no time"), now: 0),
            ], durationMs: 1)
        let counts = report.secretsPerPlugin.map { "\($0.plugin)=\($0.count)" }
        #expect(
            counts == [
                "mysql_native_password=2", "caching_sha2_password=0", "sha256_password=0", "ed25519=1", "parsec=0",
                "gssapi_password=1", "unknown=2",
            ])
    }

    @Test func theCheckNamesThePluginAndTheServer() {
        var world = World()
        world.server.createUser["app"] =
            "CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '*ABCDEF' OR unix_socket"
        let report = world.run(.admin)
        let row = report.checks.first { $0.name == "password-plugin" }
        #expect(row?.ok == true)
        #expect(
            row?.detail.hasPrefix("'app'@'%' uses mysql_native_password on MariaDB 10.11.6: every MariaDB release")
                == true,
            "\(row?.detail ?? "no row")")
        #expect(report.plugin == "mysql_native_password")
        #expect(!world.server.statements.contains { $0.contains("information_schema.PLUGINS") })
    }
}
