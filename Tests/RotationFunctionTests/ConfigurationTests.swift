import AWSCore
import Platform
import Rotation
import SecretsManager
import Testing

@testable import RotationFunction

/// Every environment variable the function reads, its default, and a bad
/// value of each failing the init with an error that names the variable.
@Suite struct ConfigurationTests {
    /// What Lambda always sets.
    let minimal = [
        "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret-key",
    ]

    func configuration(_ extra: [String: String]) throws -> Configuration {
        try Configuration(environment: minimal.merging(extra) { $1 })
    }

    @Test func defaults() throws {
        let configuration = try configuration([:])
        #expect(configuration.rotation == RotationSettings())
        #expect(configuration.region == "eu-west-1")
        #expect(configuration.endpoint == "https://secretsmanager.eu-west-1.amazonaws.com")
        #expect(configuration.credentials == AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-key"))
        #expect(configuration.maxAttempts == 3)
        #expect(configuration.databaseCABundle == CABundle.systemPath)
        #expect(configuration.pluginDirectory == nil)
    }

    @Test func everyVariableIsRead() throws {
        let configuration = try configuration([
            "ROTATION_STRATEGY": "Alternating", "PASSWORD_SOURCE": "service", "PASSWORD_LENGTH": "20",
            "EXCLUDE_CHARACTERS": "xyz", "EXCLUDE_NUMBERS": "true", "EXCLUDE_PUNCTUATION": "TRUE",
            "EXCLUDE_UPPERCASE": "true", "EXCLUDE_LOWERCASE": "false", "REQUIRE_EACH_INCLUDED_TYPE": "false",
            "USERNAME_KEY": "user", "PASSWORD_KEY": "pass", "USERNAME_CHARACTER_LIMIT": "16", "REQUIRE_TLS": "true",
            "SECRETS_MANAGER_ENDPOINT": "https://vpce.example", "AWS_SESSION_TOKEN": "token", "MAX_ATTEMPTS": "7",
            "DB_CA_BUNDLE": "/opt/ca.pem", "MARIADB_PLUGIN_DIR": "/opt/plugin",
        ])
        let rotation = configuration.rotation
        #expect(rotation.strategy == .alternating)
        #expect(rotation.passwordSource == .service)
        #expect(rotation.passwordPolicy.length == 20)
        #expect(rotation.passwordPolicy.excludeCharacters == "xyz")
        #expect(rotation.passwordPolicy.excludeNumbers)
        #expect(rotation.passwordPolicy.excludePunctuation)
        #expect(rotation.passwordPolicy.excludeUppercase)
        #expect(!rotation.passwordPolicy.excludeLowercase)
        #expect(!rotation.passwordPolicy.requireEachIncludedType)
        #expect(rotation.keys.username == "user")
        #expect(rotation.keys.password == "pass")
        #expect(rotation.usernameCharacterLimit == 16)
        #expect(rotation.requireTLS)
        #expect(configuration.endpoint == "https://vpce.example")
        #expect(configuration.credentials.sessionToken == "token")
        #expect(configuration.maxAttempts == 7)
        #expect(configuration.databaseCABundle == "/opt/ca.pem")
        #expect(configuration.pluginDirectory == "/opt/plugin")
    }

    @Test func secretsManagerTrustsAWSCABundleAsTheSDKsDo() throws {
        #expect(try configuration(["AWS_CA_BUNDLE": "/opt/proxy-ca.pem"]).secretsManagerCABundle == "/opt/proxy-ca.pem")
        #expect(try configuration(["AWS_CA_BUNDLE": ""]).secretsManagerCABundle == nil)
        #expect(try configuration([:]).secretsManagerCABundle == nil)
    }

    @Test func theDefaultRegionStandsInForAWSRegion() throws {
        var environment = minimal
        environment["AWS_REGION"] = nil
        environment["AWS_DEFAULT_REGION"] = "ap-south-1"
        #expect(try Configuration(environment: environment).region == "ap-south-1")
        environment["AWS_REGION"] = "us-east-2"
        #expect(try Configuration(environment: environment).region == "us-east-2")
    }

    /// Lambda's console saves an emptied field as an empty string.
    @Test func anEmptyValueMeansTheDefault() throws {
        let configuration = try configuration([
            "SECRETS_MANAGER_ENDPOINT": "", "MAX_ATTEMPTS": "", "DB_CA_BUNDLE": "", "MARIADB_PLUGIN_DIR": "",
            "ROTATION_STRATEGY": "", "REQUIRE_TLS": "", "AWS_SESSION_TOKEN": "",
        ])
        #expect(configuration.endpoint == "https://secretsmanager.eu-west-1.amazonaws.com")
        #expect(configuration.maxAttempts == 3)
        #expect(configuration.databaseCABundle == CABundle.systemPath)
        #expect(configuration.pluginDirectory == nil)
        #expect(configuration.rotation == RotationSettings())
        #expect(configuration.credentials.sessionToken == nil)
    }

    @Test(arguments: [
        (["ROTATION_STRATEGY": "rotate"], "ROTATION_STRATEGY"),
        (["PASSWORD_SOURCE": "remote"], "PASSWORD_SOURCE"),
        (["PASSWORD_LENGTH": "long"], "PASSWORD_LENGTH"),
        (["PASSWORD_LENGTH": "0"], "PASSWORD_LENGTH"),
        (["PASSWORD_LENGTH": "4097"], "PASSWORD_LENGTH"),
        (["PASSWORD_LENGTH": "3"], "PASSWORD_LENGTH"),  // fewer than the four included types
        (
            [
                "EXCLUDE_CHARACTERS":
                    ##"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"##
            ],
            "EXCLUDE_CHARACTERS"
        ),
        (["EXCLUDE_NUMBERS": "yes"], "EXCLUDE_NUMBERS"),
        (["EXCLUDE_PUNCTUATION": "1"], "EXCLUDE_PUNCTUATION"),
        (["EXCLUDE_UPPERCASE": "on"], "EXCLUDE_UPPERCASE"),
        (["EXCLUDE_LOWERCASE": "no"], "EXCLUDE_LOWERCASE"),
        (["REQUIRE_EACH_INCLUDED_TYPE": "maybe"], "REQUIRE_EACH_INCLUDED_TYPE"),
        (["USERNAME_KEY": "login", "PASSWORD_KEY": "login"], "PASSWORD_KEY"),
        (["USERNAME_CHARACTER_LIMIT": "0"], "USERNAME_CHARACTER_LIMIT"),
        (["USERNAME_CHARACTER_LIMIT": "sixteen"], "USERNAME_CHARACTER_LIMIT"),
        (["REQUIRE_TLS": "enabled"], "REQUIRE_TLS"),
        (["MAX_ATTEMPTS": "0"], "MAX_ATTEMPTS"),
        (["MAX_ATTEMPTS": "11"], "MAX_ATTEMPTS"),
        (["MAX_ATTEMPTS": "three"], "MAX_ATTEMPTS"),
    ])
    func aBadValueNamesItsVariable(_ extra: [String: String], _ variable: String) {
        let error = #expect(throws: ConfigurationError.self) { try configuration(extra) }
        guard case .invalid(let name, _)? = error else {
            Issue.record("expected an invalid value, got \(String(describing: error))")
            return
        }
        #expect(name == variable)
        #expect(error?.description.contains(variable) == true)
    }

    @Test(arguments: [
        ("AWS_REGION", "AWS_REGION"),
        ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
    ])
    func aMissingVariableIsNamed(_ removed: String, _ named: String) {
        var environment = minimal
        environment[removed] = nil
        #expect(throws: ConfigurationError.missing(name: named)) { try Configuration(environment: environment) }
        environment[removed] = ""
        #expect(throws: ConfigurationError.missing(name: named)) { try Configuration(environment: environment) }
    }

    @Test func theSecretAccessKeyIsNeverInAnError() {
        var environment = minimal
        environment["MAX_ATTEMPTS"] = "many"
        let error = #expect(throws: ConfigurationError.self) { try Configuration(environment: environment) }
        #expect(error?.description.contains("secret-key") == false)
    }
}
