import Rotation

// The seams between the check's decisions (this target, pure) and the
// world (PreflightProbes). Each probe only reads: none of them can change a
// secret, an account or a grant.

/// What DescribeSecret says about the secret, including the function it rotates with.
public struct SecretFacts: Sendable, Equatable {
    public var arn: String
    public var name: String
    public var rotationEnabled: Bool?
    public var rotationFunctionARN: String?
    public var versionIdsToStages: [String: [String]]

    public init(
        arn: String, name: String, rotationEnabled: Bool?, rotationFunctionARN: String?,
        versionIdsToStages: [String: [String]]
    ) {
        self.arn = arn
        self.name = name
        self.rotationEnabled = rotationEnabled
        self.rotationFunctionARN = rotationFunctionARN
        self.versionIdsToStages = versionIdsToStages
    }
}

public protocol SecretInspecting {
    func describe(_ secretId: String) throws -> SecretFacts
    /// AWSCURRENT's SecretString, or nil when that version holds none.
    func currentSecretString(_ secretId: String) throws -> String?
}

public protocol NetworkProbing {
    /// The addresses `host` resolves to, as text.
    func resolve(_ host: String) throws -> [String]
    /// Opens one TCP connection to `host:port` and closes it again.
    func connect(_ host: String, port: Int, timeoutSeconds: Double) throws
}

public protocol TLSProbing {
    /// Connects with TLS required and the certificate verified (chain and
    /// host name), whatever the rotation's own policy, to learn what the
    /// server offers.
    func probe(_ login: DatabaseLogin) -> TLSProbe
}

public struct TLSProbe: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// The handshake verified and the login went through.
        case verified
        /// The handshake verified; the server then refused the credential.
        case verifiedLoginRefused
        case notOffered
        case notVerified(reason: String)
        case noCABundle
        /// Unreachable, or anything else that says nothing about TLS.
        case failed(reason: String)
    }

    public var outcome: Outcome
    public var caBundle: String?
    public var cipher: String?
    public var tlsVersion: String?
    public var certificate: CertificateSummary?

    public init(
        outcome: Outcome, caBundle: String? = nil, cipher: String? = nil, tlsVersion: String? = nil,
        certificate: CertificateSummary? = nil
    ) {
        self.outcome = outcome
        self.caBundle = caBundle
        self.cipher = cipher
        self.tlsVersion = tlsVersion
        self.certificate = certificate
    }
}

public struct CertificateSummary: Sendable, Equatable {
    public var subject: String
    public var issuer: String
    /// As OpenSSL prints it, e.g. `Jan  1 00:00:00 2030 GMT`.
    public var notAfter: String
    public var daysLeft: Int?

    public init(subject: String, issuer: String, notAfter: String, daysLeft: Int?) {
        self.subject = subject
        self.issuer = issuer
        self.notAfter = notAfter
        self.daysLeft = daysLeft
    }
}

/// What the check knows of the function it runs in.
public struct PreflightContext {
    public var settings: RotationSettings
    /// The ARN this invocation was made with (`Lambda-Runtime-Invoked-Function-Arn`).
    public var functionARN: String?
    /// Seconds left in the invocation when the check started: the function's timeout, near enough.
    public var secondsLeft: Double
    public var secretsManagerEndpoint: String
    /// The rotation's own TLS decision for a secret's `ssl` key, by name
    /// (`required`, `opportunistic`, `disabled`), so the check reports the policy in force.
    public var tlsMode: (_ ssl: Bool?) -> String
    /// The error's type and a message safe to show (names, hosts, codes).
    public var describeError: (any Error) -> (type: String, message: String)
    /// Monotonic seconds.
    public var clock: () -> Double
    /// The rotation's own reading of the admin secret (`Rotator.placedAdminSecret`):
    /// RDS-managed ones placed through their tag, refused when on another
    /// server, verified TLS only for their sessions. The check has no reading
    /// of its own, so it cannot decide otherwise than setSecret.
    public var placeAdmin: (_ current: DatabaseSecret, _ secretId: String) throws -> DatabaseSecret
    /// Whether an error is the server refusing a login for a reason other
    /// than the password (locked, expired, a plugin it cannot load): before
    /// AWSCURRENT has logged in, the check says of it only that the login
    /// was refused, as of a wrong password (Preflight+Authentication.swift).
    public var isLoginRefusal: (any Error) -> Bool = { _ in false }
    /// The client plugin a login needed and the client library lacks (MariaDB's `parsec`), if that is why it failed.
    public var missingClientPlugin: (any Error) -> String? = { _ in nil }
    /// `AUTH_PLUGIN`: the plugin accounts move to at their next rotation.

    public init(
        settings: RotationSettings, functionARN: String?, secondsLeft: Double, secretsManagerEndpoint: String,
        tlsMode: @escaping (Bool?) -> String, describeError: @escaping (any Error) -> (type: String, message: String),
        clock: @escaping () -> Double,
        placeAdmin: @escaping (_ current: DatabaseSecret, _ secretId: String) throws -> DatabaseSecret
    ) {
        self.settings = settings
        self.functionARN = functionARN
        self.secondsLeft = secondsLeft
        self.secretsManagerEndpoint = secretsManagerEndpoint
        self.tlsMode = tlsMode
        self.describeError = describeError
        self.clock = clock
        self.placeAdmin = placeAdmin
    }
}
