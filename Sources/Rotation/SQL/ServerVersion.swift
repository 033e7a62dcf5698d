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
        let numbers = versionText.prefix(while: { $0.isNumber || $0 == "." }).split(separator: ".").compactMap {
            Int($0)
        }
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

    /// What a statement may use on this server. Every MySQL- or
    /// MariaDB-only clause is gated here, on flavour and version, and nowhere else.
    public enum Feature: Sendable, CaseIterable {
        /// `ALTER USER … IDENTIFIED BY`: MySQL 5.7.6, MariaDB 10.2.
        case alterUser
        /// `SHOW CREATE USER`: MySQL 5.7.6, MariaDB 10.2.
        case showCreateUser
        /// `ACCOUNT LOCK | UNLOCK`: MySQL 5.7.6, MariaDB 10.4.2.
        case accountLocking
        /// `PASSWORD EXPIRE DEFAULT | NEVER | INTERVAL n DAY` in ALTER USER: MySQL 5.7.6, MariaDB 10.4.3.
        case passwordExpiryOptions
        /// `MAX_STATEMENT_TIME`: MariaDB 10.1.1.
        case statementTimeLimit
        /// `IDENTIFIED VIA plugin USING PASSWORD('…')`: MariaDB 10.4.
        case pluginPasswordByName
        /// `PASSWORD HISTORY`, `PASSWORD REUSE INTERVAL`: MySQL 8.0.3.
        case passwordReusePolicy
        /// `REPLACE '<current>'` and `PASSWORD REQUIRE CURRENT`: MySQL 8.0.13.
        case currentPasswordVerification
        /// Secondary passwords (`RETAIN CURRENT PASSWORD`, `DISCARD OLD PASSWORD`): MySQL 8.0.14.
        case secondaryPasswords
        /// `FAILED_LOGIN_ATTEMPTS`, `PASSWORD_LOCK_TIME`: MySQL 8.0.19.
        case failedLoginTracking
        /// `ALTER USER … DEFAULT ROLE`, and DEFAULT ROLE in SHOW CREATE USER: MySQL 8.0.
        case defaultRolesInAlterUser
        /// `ATTRIBUTE '…'` (and COMMENT): MySQL 8.0.21.
        case userAttributes
    }

    public func supports(_ feature: Feature) -> Bool {
        switch (feature, flavor) {
        case (.alterUser, .mysql), (.showCreateUser, .mysql), (.accountLocking, .mysql),
            (.passwordExpiryOptions, .mysql):
            isAtLeast(5, 7, 6)
        case (.alterUser, .mariadb), (.showCreateUser, .mariadb): isAtLeast(10, 2)
        case (.accountLocking, .mariadb): isAtLeast(10, 4, 2)
        case (.passwordExpiryOptions, .mariadb): isAtLeast(10, 4, 3)
        case (.statementTimeLimit, .mariadb): isAtLeast(10, 1, 1)
        case (.pluginPasswordByName, .mariadb): isAtLeast(10, 4)
        case (.passwordReusePolicy, .mysql): isAtLeast(8, 0, 3)
        case (.currentPasswordVerification, .mysql): isAtLeast(8, 0, 13)
        case (.secondaryPasswords, .mysql): isAtLeast(8, 0, 14)
        case (.failedLoginTracking, .mysql): isAtLeast(8, 0, 19)
        case (.defaultRolesInAlterUser, .mysql): isAtLeast(8, 0)
        case (.userAttributes, .mysql): isAtLeast(8, 0, 21)
        case (.statementTimeLimit, .mysql), (.pluginPasswordByName, .mysql), (.passwordReusePolicy, .mariadb),
            (.currentPasswordVerification, .mariadb), (.secondaryPasswords, .mariadb), (.failedLoginTracking, .mariadb),
            (.defaultRolesInAlterUser, .mariadb), (.userAttributes, .mariadb):
            false
        }
    }

    /// The statement that sets the logged-in account's own password,
    /// choosing the form this server accepts without any privilege:
    /// - MariaDB: `SET PASSWORD = PASSWORD(…)`; its `ALTER USER CURRENT_USER()`
    ///   needs CREATE USER.
    /// - MySQL 5.7.6 and later (8.x, 9.x): `ALTER USER CURRENT_USER() IDENTIFIED BY …`;
    ///   MySQL 8 removed `PASSWORD()`. From 8.0.13 with `REPLACE '<current>'`:
    ///   required when the account or `password_require_current` asks for
    ///   the current password, accepted (and checked) otherwise, so it is
    ///   always sent rather than guessed from two settings.
    /// - Older MySQL: `SET PASSWORD = PASSWORD(…)`.
    public func setOwnPassword(_ password: String, replacing current: String) -> SQL {
        switch flavor {
        case .mysql where supports(.currentPasswordVerification):
            "ALTER USER CURRENT_USER() IDENTIFIED BY \(literal: password) REPLACE \(literal: current)"
        case .mysql where supports(.alterUser):
            "ALTER USER CURRENT_USER() IDENTIFIED BY \(literal: password)"
        case .mysql, .mariadb:
            "SET PASSWORD = PASSWORD(\(literal: password))"
        }
    }

    /// Whether `setOwnPassword` puts the current password in the statement
    /// (MySQL 8.0.13 and later: `REPLACE '<current>'`).
    public var ownPasswordChangeCarriesCurrent: Bool {
        flavor == .mysql && supports(.currentPasswordVerification)
    }

    /// The statement with which an admin sets another account's password.
    public func setPassword(of account: Account, to password: String) -> SQL {
        supports(.alterUser)
            ? "ALTER USER \(account: account) IDENTIFIED BY \(literal: password)"
            : "SET PASSWORD FOR \(account: account) = PASSWORD(\(literal: password))"
    }

    /// Sent before an admin sets a password: MySQL 8.0.14 keeps a secondary
    /// password (one retained with RETAIN CURRENT PASSWORD) valid across a
    /// change of the primary one, so without this an old password would
    /// outlive every rotation. `nil` where there are no secondary passwords.
    public func discardOldPassword(of account: Account) -> SQL? {
        supports(.secondaryPasswords) ? "ALTER USER \(account: account) DISCARD OLD PASSWORD" : nil
    }

    public var description: String {
        "\(flavor == .mariadb ? "MariaDB" : "MySQL") \(major).\(minor).\(patch)"
    }
}
