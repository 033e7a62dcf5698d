import JSON
import Rotation
import Testing

@Suite struct DatabaseSecretTests {
    func parse(_ text: String, keys: SecretKeys = SecretKeys()) throws(SecretProblem) -> DatabaseSecret {
        try DatabaseSecret(parsing: text, keys: keys)
    }

    @Test func readsTheTemplateKeys() throws {
        let secret = try parse(
            #"{"engine":"mariadb","host":"h","username":"u","password":"p","port":"3307","dbname":"d","ssl":"TRUE"}"#)
        #expect(secret.engine == .mariadb)
        #expect(secret.port == 3307)
        #expect(secret.dbname == "d")
        #expect(secret.ssl == true)
        #expect(secret.login.description == "u@h:3307")
    }

    @Test func defaultsPortAndLeavesSSLUnset() throws {
        let secret = try parse(#"{"engine":"aurora-mysql","host":"h","username":"u","password":"p"}"#)
        #expect(secret.port == 3306)
        #expect(secret.ssl == nil)
    }

    @Test func readsRenamedKeys() throws {
        let keys = SecretKeys(username: "db_username", password: "db_password")
        let secret = try parse(#"{"engine":"mysql","host":"h","db_username":"u","db_password":"p"}"#, keys: keys)
        #expect(secret.username == "u")
        let replaced = try JSONValue(parsing: secret.replacing(password: "new"))
        #expect(replaced["db_password"] == .string("new"))
        #expect(replaced["password"] == nil)
    }

    @Test(arguments: [
        ("hello", SecretProblem.notJSON("not valid JSON at byte 0: unexpected character")),
        ("[1]", .notAnObject),
        (#"{"host":"h","username":"u","password":"p"}"#, .missingKey("engine")),
        (#"{"engine":"postgres","host":"h","username":"u","password":"p"}"#, .unsupportedEngine),
        (#"{"engine":"mysql","username":"u","password":"p"}"#, .missingKey("host")),
        (#"{"engine":"mysql","host":"h","password":"p"}"#, .missingKey("username")),
        (#"{"engine":"mysql","host":"h","username":"u"}"#, .missingKey("password")),
        (#"{"engine":"mysql","host":"h","username":"u","password":""}"#, .emptyValue(key: "password")),
        (
            #"{"engine":"mysql","host":"h","username":"u","password":7}"#,
            .wrongType(key: "password", expected: "a string")
        ),
        (
            #"{"engine":"mysql","host":"h","username":"u","password":"p","port":"x"}"#,
            .wrongType(key: "port", expected: "an integer or a string of digits")
        ),
        (#"{"engine":"mysql","host":"h","username":"u","password":"p","port":70000}"#, .portOutOfRange),
        (
            #"{"engine":"mysql","host":"h","username":"u","password":"p","ssl":"yes"}"#,
            .wrongType(key: "ssl", expected: "true, false, \"true\" or \"false\"")
        ),
    ])
    func namesWhatIsWrong(text: String, problem: SecretProblem) {
        #expect(throws: problem) { try parse(text) }
    }

    @Test func problemsNeverShowTheSecretsValues() throws {
        let password = "hunter2-unique"
        let error = try #require(throws: SecretProblem.self) {
            try parse(#"{"engine":"mysql","host":"h","username":"u","password":"\#(password)","port":"\#(password)"}"#)
        }
        #expect(!error.description.contains(password))
        let secret = try parse(#"{"engine":"mysql","host":"h","username":"u","password":"\#(password)"}"#)
        #expect(!"\(secret)".contains(password))
        #expect(!"\(secret.login)".contains(password))
    }
}
