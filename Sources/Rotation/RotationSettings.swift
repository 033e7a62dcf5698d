/// The function's settings, from its environment, named as in AWS's
/// templates where they have one.
public struct RotationSettings: Sendable, Equatable {
    public enum Strategy: String, Sendable, CaseIterable {
        /// The user changes its own password.
        case single = "self"
        /// An admin account named by the secret's `masterarn` changes it.
        case admin
        /// AWS's multi-user rotation: an admin alternates `name` and `name_clone`.
        case alternating
    }

    public enum PasswordSource: String, Sendable {
        /// OpenSSL's CSPRNG, in-process: no extra round trip.
        case local
        /// Secrets Manager's GetRandomPassword, as AWS's templates do.
        case service
    }

    public var strategy: Strategy = .single
    public var passwordPolicy = PasswordPolicy()
    public var passwordSource: PasswordSource = .local
    public var keys = SecretKeys()
    /// `REQUIRE_TLS=true`: never talk to the database in plaintext, whatever the secret says.
    public var requireTLS = false
    /// `USERNAME_CHARACTER_LIMIT`; `nil` asks the server.
    public var usernameCharacterLimit: Int?
    /// `KEEP_PREVIOUS_PASSWORD=true`: after each rotation AWSPREVIOUS's password
    /// still logs in beside AWSCURRENT's (self and admin; see PasswordChange).
    public var keepPreviousPassword = false
    /// `ALLOW_PRIVILEGED_ACCOUNTS=true`: admin and alternating may rotate (or
    /// clone) the admin itself and accounts that can manage others.
    public var allowPrivilegedAccounts = false
    /// `AUTH_PLUGIN`: the password plugin each rotation moves the account to (`AuthPlugin`).
    public var authPlugin = AuthPlugin.keep

    public init() {}

    public init(environment: [String: String]) throws(ConfigurationError) {
        if let value = environment["ROTATION_STRATEGY"], !value.isEmpty {
            guard let strategy = Strategy(rawValue: value.lowercased()) else {
                throw .invalid(name: "ROTATION_STRATEGY", expected: "self, admin or alternating")
            }
            self.strategy = strategy
        }
        if let value = environment["PASSWORD_SOURCE"], !value.isEmpty {
            guard let source = PasswordSource(rawValue: value.lowercased()) else {
                throw .invalid(name: "PASSWORD_SOURCE", expected: "local or service")
            }
            self.passwordSource = source
        }
        var policy = PasswordPolicy()
        if let length = try Self.integer("PASSWORD_LENGTH", environment) { policy.length = length }
        if let excluded = environment["EXCLUDE_CHARACTERS"] { policy.excludeCharacters = excluded }
        policy.excludeNumbers = try Self.flag("EXCLUDE_NUMBERS", environment) ?? false
        policy.excludePunctuation = try Self.flag("EXCLUDE_PUNCTUATION", environment) ?? false
        policy.excludeUppercase = try Self.flag("EXCLUDE_UPPERCASE", environment) ?? false
        policy.excludeLowercase = try Self.flag("EXCLUDE_LOWERCASE", environment) ?? false
        policy.requireEachIncludedType = try Self.flag("REQUIRE_EACH_INCLUDED_TYPE", environment) ?? true
        try policy.validate()
        self.passwordPolicy = policy
        self.keys = SecretKeys(
            username: Self.nonEmpty("USERNAME_KEY", environment) ?? "username",
            password: Self.nonEmpty("PASSWORD_KEY", environment) ?? "password")
        guard keys.username != keys.password else {
            throw .invalid(name: "PASSWORD_KEY", expected: "a key other than USERNAME_KEY")
        }
        self.requireTLS = try Self.flag("REQUIRE_TLS", environment) ?? false
        if let limit = try Self.integer("USERNAME_CHARACTER_LIMIT", environment) {
            guard limit >= 1 else { throw .invalid(name: "USERNAME_CHARACTER_LIMIT", expected: "a positive integer") }
            self.usernameCharacterLimit = limit
        }
        self.keepPreviousPassword = try Self.flag("KEEP_PREVIOUS_PASSWORD", environment) ?? false
        if keepPreviousPassword && strategy == .alternating {
            throw .invalid(
                name: "KEEP_PREVIOUS_PASSWORD",
                expected: "false with ROTATION_STRATEGY=alternating (it keeps two users)")
        }
        self.allowPrivilegedAccounts = try Self.flag("ALLOW_PRIVILEGED_ACCOUNTS", environment) ?? false
        if let plugin = Self.nonEmpty("AUTH_PLUGIN", environment) { self.authPlugin = try AuthPlugin(setting: plugin) }
    }

    static func nonEmpty(_ name: String, _ environment: [String: String]) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func flag(_ name: String, _ environment: [String: String]) throws(ConfigurationError) -> Bool? {
        guard let value = nonEmpty(name, environment) else { return nil }
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw .invalid(name: name, expected: "true or false")
        }
    }

    static func integer(_ name: String, _ environment: [String: String]) throws(ConfigurationError) -> Int? {
        guard let value = nonEmpty(name, environment) else { return nil }
        guard let number = Int(value) else { throw .invalid(name: name, expected: "an integer") }
        return number
    }
}

/// A setting the function cannot start with; reported to `/runtime/init/error`.
public enum ConfigurationError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalid(name: String, expected: String)
    case missing(name: String)

    public var description: String {
        switch self {
        case .invalid(let name, let expected): "environment variable \(name) must be \(expected)"
        case .missing(let name): "environment variable \(name) must be set"
        }
    }
}
