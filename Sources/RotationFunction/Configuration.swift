import AWSCore
import AWSEndpoint
import LambdaRuntime
import Platform
import Rotation
import SecretsManager

/// Everything the function reads from its environment, checked once at
/// start-up so a bad setting is an init error, not a failed rotation.
public struct Configuration {
    var rotation: RotationSettings
    var region: String
    /// Secrets Manager's URL, resolved as the SDKs resolve it (see `Endpoint`).
    var endpoint: String
    /// `SECRETS_MANAGER_ENDPOINT_<REGION>`: endpoints for other regions (a `masterarn` elsewhere).
    var regionalEndpoints: [String: String]
    var credentials: AWSCredentials
    var maxAttempts: Int
    /// CA certificates for TLS to the database: `DB_CA_BUNDLE`, else the system bundle.
    var databaseCABundle: String?
    /// CA certificates for HTTPS to Secrets Manager: `AWS_CA_BUNDLE`, as the
    /// AWS SDKs read it (e.g. a TLS-inspecting proxy's CA); else the system's store.
    var secretsManagerCABundle: String?
    /// Connector/C's authentication plugins (caching_sha2_password for MySQL 8).
    var pluginDirectory: String?
    /// `DB_SERVER_PUBLIC_KEY`: a pinned RSA key for MySQL 8's caching_sha2_password without TLS.
    var serverPublicKey: String?
    /// The whole environment, for the RDS endpoint (`AWS_ENDPOINT_URL_RDS`, `AWS_ENDPOINT_URL`).
    var environment: [String: String]
    /// `METRICS_NAMESPACE` of the per-step EMF records; set but empty turns them off.
    var metricsNamespace: String?

    public init(environment: [String: String]) throws {
        rotation = try RotationSettings(environment: environment)
        self.environment = environment
        guard let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"], !region.isEmpty else {
            throw ConfigurationError.missing(name: "AWS_REGION")
        }
        self.region = region
        endpoint = try Endpoint.resolve(service: .secretsManager, region: region, environment: environment)
        regionalEndpoints = SecretsManagerEndpoint.overrides(fromEnvironment: environment)
        guard let credentials = AWSCredentials.fromEnvironment(environment) else {
            throw ConfigurationError.missing(name: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        self.credentials = credentials
        if let text = environment["MAX_ATTEMPTS"], !text.isEmpty {
            guard let attempts = Int(text), (1...10).contains(attempts) else {
                throw ConfigurationError.invalid(name: "MAX_ATTEMPTS", expected: "an integer from 1 to 10")
            }
            maxAttempts = attempts
        } else {
            maxAttempts = 3
        }
        databaseCABundle = environment["DB_CA_BUNDLE"].flatMap { $0.isEmpty ? nil : $0 } ?? CABundle.systemPath
        secretsManagerCABundle = environment["AWS_CA_BUNDLE"].flatMap { $0.isEmpty ? nil : $0 }
        pluginDirectory = environment["MARIADB_PLUGIN_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        serverPublicKey = environment["DB_SERVER_PUBLIC_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        metricsNamespace = environment["METRICS_NAMESPACE"] ?? "MySQLRotator"
        if let namespace = metricsNamespace, namespace.isEmpty {
            metricsNamespace = nil
        } else if let namespace = metricsNamespace, !MetricsRecord.isValidNamespace(namespace) {
            throw ConfigurationError.invalid(
                name: "METRICS_NAMESPACE",
                expected: "1 to 255 of A-Z a-z 0-9 . - _ / # : and space, not starting with AWS/")
        }
    }
}
