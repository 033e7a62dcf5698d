/// The server behind a connection, read from its version string, because
/// the statement an unprivileged user may use to change its own password
/// differs between MySQL and MariaDB releases.
public struct ServerVersion: Sendable, Equatable, CustomStringConvertible {
    public enum Flavor: Sendable, Equatable {
        case mysql
        case mariadb
    }

    public var flavor: Flavor
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(flavor: Flavor, major: Int, minor: Int, patch: Int) {
        self.flavor = flavor
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses strings such as `8.0.36`, `9.1.0-commercial`, `5.7.44-log`,
    /// `10.11.6-MariaDB-0+deb12u1` and `5.5.5-10.11.6-MariaDB` (the prefix
    /// MariaDB 10 sends old clients). Numbers are compared, never prefixes,
    /// so 9.x is not mistaken for 8.x.
    public init?(_ text: String) {
        var versionText = Substring(text)
        let isMariaDB = text.lowercased().contains("mariadb")
        if isMariaDB, versionText.hasPrefix("5.5.5-") {
            versionText = versionText.dropFirst("5.5.5-".count)
        }
        let numbers = versionText.prefix(while: { $0.isNumber || $0 == "." }).split(separator: ".").compactMap { Int($0) }
        guard numbers.count >= 2 else { return nil }
        self.init(
            flavor: isMariaDB ? .mariadb : .mysql, major: numbers[0], minor: numbers[1],
            patch: numbers.count > 2 ? numbers[2] : 0)
    }

    /// The version of the server behind `session`; the one place a version
    /// string that is neither MySQL's nor MariaDB's is refused.
    public init(reportedBy session: any DatabaseSession) throws {
        guard let version = ServerVersion(session.serverVersion) else {
            throw RotationError.unexpectedServerAnswer("a version string that is neither MySQL's nor MariaDB's")
        }
        self = version
    }

    public func isAtLeast(_ major: Int, _ minor: Int, _ patch: Int = 0) -> Bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }

    /// The statement that sets the logged-in account's own password,
    /// choosing the form this server accepts without any privilege:
    /// - MariaDB: `SET PASSWORD = PASSWORD(…)`; its `ALTER USER CURRENT_USER()`
    ///   needs CREATE USER.
    /// - MySQL 5.7.6 and later (8.x, 9.x): `ALTER USER CURRENT_USER() IDENTIFIED BY …`;
    ///   MySQL 8 removed `PASSWORD()`.
    /// - Older MySQL: `SET PASSWORD = PASSWORD(…)`.
    public func setOwnPassword(_ password: String) -> SQL {
        switch flavor {
        case .mysql where isAtLeast(5, 7, 6):
            "ALTER USER CURRENT_USER() IDENTIFIED BY \(literal: password)"
        case .mysql, .mariadb:
            "SET PASSWORD = PASSWORD(\(literal: password))"
        }
    }

    /// The statement with which an admin sets another account's password.
    public func setPassword(of account: Account, to password: String) -> SQL {
        switch flavor {
        case .mysql where !isAtLeast(5, 7, 6):
            "SET PASSWORD FOR \(account: account) = PASSWORD(\(literal: password))"
        case .mysql, .mariadb:
            "ALTER USER \(account: account) IDENTIFIED BY \(literal: password)"
        }
    }

    public var description: String {
        "\(flavor == .mariadb ? "MariaDB" : "MySQL") \(major).\(minor).\(patch)"
    }
}
