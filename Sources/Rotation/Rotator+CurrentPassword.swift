/// The self strategy's statement on MySQL 8.0.13 and later carries the
/// current password (`REPLACE '<current>'`). Outside verified TLS whoever
/// answers for the host, or listens on the path, would read it, and a
/// server that merely greets as MySQL 8 would be handed it; so there the
/// step stops before the statement is sent.
extension Rotator {
    static func refuseCurrentPasswordOutsideVerifiedTLS(
        in session: any DatabaseSession, version: ServerVersion, loggedInWith login: DatabaseLogin
    ) throws {
        if version.ownPasswordChangeCarriesCurrent && !session.isVerifiedTLS {
            throw RotationError.currentPasswordNeedsTLS(login: login.description, server: version.description)
        }
    }
}
