extension Rotator {
    /// `name` becomes `name_clone` and `name_clone` becomes `name`.
    static func alternate(_ username: String) -> String {
        username.hasSuffix(cloneSuffix) ? String(username.dropLast(cloneSuffix.count)) : username + cloneSuffix
    }

    static let cloneSuffix = "_clone"

    func alternateUsername(of current: DatabaseSecret, secretId: String) throws -> String {
        let next = Self.alternate(current.username)
        let limit = try settings.usernameCharacterLimit ?? serverUsernameLimit(current, secretId: secretId)
        guard next.count <= limit else { throw RotationError.usernameTooLong(secretId: secretId, limit: limit) }
        return next
    }

    func serverUsernameLimit(_ current: DatabaseSecret, secretId: String) throws -> Int {
        throw RotationError.unexpectedServerAnswer("alternating strategy not available yet")
    }

    func setAlternateUser(_ secretId: String, current: DatabaseSecret, pending: DatabaseSecret) throws {
        throw RotationError.unexpectedServerAnswer("alternating strategy not available yet")
    }
}
