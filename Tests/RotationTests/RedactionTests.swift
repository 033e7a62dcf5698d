import JSON
import Testing

@testable import Rotation

/// Every type of this layer that can hold a password, printed every way.
@Suite struct RedactionTests {
    static let password = "Pw-7f3a9c1e-not-for-logs"
    static let other = "Other-secret-key-value-42"

    static func texts(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), "\(value)", dumped]
    }

    static var values: [(String, Any)] {
        let document = #"{"engine":"mariadb","host":"h","username":"u","password":"\#(password)","apiKey":"\#(other)"}"#
        let secret = try! DatabaseSecret(parsing: document)
        return [
            ("DatabaseLogin", DatabaseLogin(host: "h", port: 3306, username: "u", password: password)),
            ("StoredSecret", StoredSecret(versionId: "v", secretString: document)),
            ("DatabaseSecret", secret),
            ("SQL", "SET PASSWORD = PASSWORD(\(literal: password))" as SQL),
            ("DatabaseLogin in an array", [secret.login]),
            ("Optional DatabaseSecret", Optional(secret) as Any),
        ]
    }

    @Test(arguments: values.map(\.0))
    func noPrintedFormShowsThePasswordOrTheDocument(_ name: String) throws {
        let value = try #require(Self.values.first { $0.0 == name }?.1)
        for text in Self.texts(value) {
            #expect(!text.contains(Self.password), "\(name) printed its password")
            #expect(!text.contains(Self.other), "\(name) printed another key of the secret")
            #expect(!text.isEmpty)
        }
    }

    /// The redacted forms still say what the value is, so they stay useful.
    @Test func theRedactedFormsStillNameTheAccount() throws {
        let login = DatabaseLogin(host: "db.internal", port: 3307, username: "app", password: Self.password)
        let dumped = Self.texts(login)[3]
        #expect(dumped.contains("db.internal") && dumped.contains("app") && dumped.contains("<redacted>"))
    }
}
