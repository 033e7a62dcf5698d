/// Every type here that can hold a password shows none of it, whichever way
/// it is printed: `description` (each type's own), `String(reflecting:)`
/// (the debug description) and `dump()` (the mirror). A password reaching a
/// log through a `dump()` added while debugging is the leak this prevents.
extension DatabaseLogin: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { "DatabaseLogin(\(description), <redacted>)" }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "username": username, "password": "<redacted>",
                "database": database as Any, "ssl": ssl as Any,
            ], displayStyle: .struct)
    }
}

extension StoredSecret: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["versionId": versionId, "secretString": "<redacted>"], displayStyle: .struct)
    }
}

extension DatabaseSecret: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { description }

    /// The JSON document is left out whole: it holds the password, and any
    /// other key of it may be as sensitive.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "engine": engine.rawValue, "host": host, "port": port, "username": username,
                "password": "<redacted>", "dbname": dbname as Any, "ssl": ssl as Any,
                "masterARN": masterARN as Any, "document": "<redacted>",
            ], displayStyle: .struct)
    }
}

extension SQL: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { "SQL(\(description))" }

    /// Literals (passwords among them) are shown as placeholders, as in `description`.
    public var customMirror: Mirror {
        Mirror(self, children: ["statement": description], displayStyle: .struct)
    }
}
