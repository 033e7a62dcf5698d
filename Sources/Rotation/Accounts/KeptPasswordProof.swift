import Cryptography

/// KEEP_PREVIOUS_PASSWORD keeps AWSCURRENT's password beside the new one
/// only when it is proven to be the account's primary password: the first
/// password method, the one the last rotation set. Anyone who may move
/// AWSCURRENT to an older version (UpdateSecretVersionStage) could otherwise
/// point it at the second password, one a rotation kept, log in with it
/// (the server tries every method) and have it kept again, forever.
///
/// The proof needs no extra round trip: AWSCURRENT's hash, computed locally
/// (`MySQLPasswordHash`), is compared with the first password method's hash
/// in the `SHOW CREATE USER` line already read in AWSCURRENT's session.
extension AuthenticationMethods {
    /// Why `password` is not kept as the second password; nil when it may be.
    ///
    /// MariaDB keeps the value it is given, so anything short of a proof
    /// (a plugin whose hash is salted or unknown here, a hash not printed)
    /// skips the keep. MySQL's `RETAIN CURRENT PASSWORD` keeps the server's
    /// primary whichever password the login matched, and drops the secondary
    /// it may have matched; so there only a proven mismatch (a
    /// `mysql_native_password` hash) skips it, since that login matched the
    /// secondary and AWSCURRENT would not log in after the rotation.
    public func keepSkipped(keeping password: String, on flavor: ServerVersion.Flavor) -> KeepSkipped? {
        guard let plugin = methods.first(where: \.holdsPassword)?.plugin.lowercased() else { return nil }
        let matches = primaryHash.flatMap { MySQLPasswordHash.matches(password, plugin: plugin, stored: $0.value) }
        switch (matches, flavor) {
        case (true?, _), (nil, .mysql): return nil
        case (false?, _): return .notThePrimary(plugin: plugin)
        case (nil, .mariadb): return .unprovable(plugin: plugin)
        }
    }
}

/// Why a rotation with KEEP_PREVIOUS_PASSWORD set the new password alone;
/// names plugins only.
public enum KeepSkipped: Sendable, Equatable, CustomStringConvertible {
    /// AWSCURRENT's password does not hash to the first password method's:
    /// it is the second one (kept by an earlier rotation) or no longer set.
    case notThePrimary(plugin: String)
    /// MariaDB: the first password method's hash is not computed here
    /// (`parsec`, or none printed), so AWSCURRENT cannot be proven to be it.
    case unprovable(plugin: String)
    /// MySQL: the rotation moves the account to another plugin (AUTH_PLUGIN),
    /// and MySQL refuses `RETAIN CURRENT PASSWORD` together with a plugin change.
    case pluginChange(from: String, to: String)

    public var description: String {
        switch self {
        case .notThePrimary(let plugin):
            "AWSCURRENT's password is not the account's primary (first \(plugin)) password, so it may be one an "
                + "earlier rotation kept (was AWSCURRENT moved back to an older version?); only the new password was set"
        case .unprovable(let plugin):
            "the account's primary password method is \(plugin), whose stored hash this function cannot compute, "
                + "so AWSCURRENT's password cannot be proven to be it; only the new password was set"
        case .pluginChange(let from, let to):
            "this rotation moves the account from \(from) to \(to) (AUTH_PLUGIN), and MySQL cannot retain the "
                + "current password in a statement that changes the plugin; only the new password was set, "
                + "and the next rotation keeps the previous password again"
        }
    }
}

/// A password hash as the server printed it. Never printed itself.
public struct StoredPasswordHash: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    /// A quoted string, or MySQL's `0x…` form of a hash with bytes it does not print.
    init?(printed token: PrintedStatement.Token) {
        if token.kind == .quoted, let text = AuthenticationMethods.unquoted(token.text) {
            value = text
        } else if token.kind == .word, token.text.lowercased().hasPrefix("0x"), token.text.count % 2 == 0 {
            let digits = Array(token.text.utf8.dropFirst(2))
            var bytes: [UInt8] = []
            for index in stride(from: 0, to: digits.count, by: 2) {
                guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                    return nil
                }
                bytes.append(byte)
            }
            value = String(decoding: bytes, as: UTF8.self)
        } else {
            return nil
        }
    }

    public var description: String { "<password hash>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
