/// The self strategy's statement on MySQL 8.0.13 and later carries the
/// current password (`REPLACE '<current>'`). Outside verified TLS whoever
/// answers for the host, or listens on the path, would read it, and a
/// server that merely greets as MySQL 8 would be handed it; so there the
/// step stops before the statement is sent.
extension Rotator {
    static func currentPasswordRefusal(
        on version: ServerVersion, verifiedTLS: Bool, loggedInWith login: DatabaseLogin
    ) -> RotationError? {
        guard version.ownPasswordChangeCarriesCurrent && !verifiedTLS else { return nil }
        return .currentPasswordNeedsTLS(login: login.description, server: version.description)
    }

    /// KEEP_PREVIOUS_PASSWORD on MariaDB writes AWSCURRENT's password into
    /// the statement (a second `USING PASSWORD('…')` method), so the same
    /// rule holds there, for the admin's session and the user's own alike.
    /// MySQL's `RETAIN CURRENT PASSWORD` names no password.
    static func keptPasswordRefusal(
        keepPrevious: Bool, on version: ServerVersion, verifiedTLS: Bool, for login: DatabaseLogin
    ) -> RotationError? {
        guard keepPrevious && version.flavor == .mariadb && !verifiedTLS else { return nil }
        return .keptPasswordNeedsTLS(login: login.description, server: version.description)
    }
}
