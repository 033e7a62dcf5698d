import JSON
import Platform

/// A database secret as AWS's MySQL templates read it, plus the whole JSON
/// document so a new version carries every other key over unchanged.
public struct DatabaseSecret: Sendable, CustomStringConvertible {
    public enum Engine: String, Sendable, CaseIterable {
        case mysql
        case auroraMySQL = "aurora-mysql"
        case mariadb
    }

    public var document: JSONObject
    public var keys: SecretKeys
    public var engine: Engine
    public var host: String
    public var port: Int
    public var username: String
    public var password: String
    public var dbname: String?
    public var ssl: Bool?
    /// The admin secret's ARN, for the admin and alternating strategies.
    public var masterARN: String?
    /// Not a key: set by the rotation for a step whose sessions can change
    /// an account, which then log in over verified TLS only (`SessionProtection`).
    public var changesAccounts = false

    public static let defaultPort = 3306

    public init(parsing text: String, keys: SecretKeys = SecretKeys()) throws(SecretProblem) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text)
        } catch {
            throw .notJSON(error.description)
        }
        guard let document = value.objectValue else { throw .notAnObject }
        try self.init(document: document, keys: keys)
    }

    public init(document: JSONObject, keys: SecretKeys = SecretKeys()) throws(SecretProblem) {
        self.document = document
        self.keys = keys

        func string(_ key: String, required: Bool, allowEmpty: Bool = false) throws(SecretProblem) -> String? {
            guard let field = document[key], field != .null || required else { return nil }
            guard let text = field.stringValue else { throw .wrongType(key: key, expected: "a string") }
            if text.isEmpty && !allowEmpty { throw .emptyValue(key: key) }
            return text
        }

        guard document["engine"] != nil else { throw .missingKey("engine") }
        guard let engineName = try string("engine", required: true), let engine = Engine(rawValue: engineName) else {
            throw .unsupportedEngine
        }
        self.engine = engine
        guard let host = try string("host", required: true) else { throw .missingKey("host") }
        // Before anything else reads it: Connector/C parses some strings as options.
        guard HostName.isValid(host) else { throw .invalidHost(key: "host") }
        self.host = host
        guard document[keys.username] != nil else { throw .missingKey(keys.username) }
        self.username = try string(keys.username, required: true)!
        guard document[keys.password] != nil else { throw .missingKey(keys.password) }
        self.password = try string(keys.password, required: true)!
        self.port = try Self.port(document["port"])
        self.dbname = try string("dbname", required: false, allowEmpty: true)
        self.ssl = try Self.ssl(document["ssl"])
        self.masterARN = try string("masterarn", required: false)
    }

    /// A number or a numeric string, as the templates' `int(port)` accepts.
    static func port(_ value: JSONValue?) throws(SecretProblem) -> Int {
        let port: Int?
        switch value {
        case nil, .null?: return defaultPort
        case .number(let literal)?: port = Int(literal)
        case .string(let text)?: port = Int(text.trimmingSpaces())
        default: port = nil
        }
        guard let port else { throw .wrongType(key: "port", expected: "an integer or a string of digits") }
        guard (1...65535).contains(port) else { throw .portOutOfRange }
        return port
    }

    /// A boolean, or the strings "true"/"false" in any case, as the templates accept.
    static func ssl(_ value: JSONValue?) throws(SecretProblem) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        case .string(let text)? where text.lowercased() == "true": return true
        case .string(let text)? where text.lowercased() == "false": return false
        default: throw .wrongType(key: "ssl", expected: "true, false, \"true\" or \"false\"")
        }
    }

    public var login: DatabaseLogin {
        var login = DatabaseLogin(
            host: host, port: port, username: username, password: password, database: dbname, ssl: ssl)
        login.changesAccounts = changesAccounts
        return login
    }

    /// The JSON text of this secret with a new password (and, for the
    /// alternating strategy, a new user name); every other key unchanged.
    public func replacing(password newPassword: String, username newUsername: String? = nil) -> String {
        var updated = document
        updated[keys.password] = .string(newPassword)
        if let newUsername { updated[keys.username] = .string(newUsername) }
        return updated.serialized
    }

    public var description: String { "DatabaseSecret(\(engine.rawValue), \(username)@\(host):\(port), <redacted>)" }
}

/// The JSON keys that hold the user name and password: `USERNAME_KEY` and
/// `PASSWORD_KEY`, for secrets that name them otherwise (e.g. `db_username`).
public struct SecretKeys: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String = "username", password: String = "password") {
        self.username = username
        self.password = password
    }
}

extension String {
    func trimmingSpaces() -> String {
        let characters = Array(self)
        guard let first = characters.firstIndex(where: { !$0.isWhitespace }),
            let last = characters.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(characters[first...last])
    }
}
