import CMariaDB

extension MariaDBError {
    /// The authentication plugin a login needed and Connector/C could not
    /// load (error 2059, "Plugin parsec could not be loaded: …"), read from
    /// its message; nil for any other failure. Only a plugin-like name
    /// (letters, digits, `_`) is returned, never the rest of the text.
    public var missingClientPlugin: String? {
        guard case let .loginRefused(_, _, _, code, message) = self,
            code == UInt32(CR_AUTH_PLUGIN_CANNOT_LOAD), message.hasPrefix("Plugin ")
        else { return nil }
        let name = message.dropFirst("Plugin ".count).prefix { $0 != " " }
        guard !name.isEmpty, name.count <= 64,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else { return nil }
        return String(name)
    }
}
