extension Rotator {
    /// The admin secret exactly as setSecret reads and places it: read
    /// afresh, placed through RDS when RDS manages it (no `host`, a tag
    /// naming the database), refused when it names another server, and with
    /// verified TLS only for its sessions (SessionProtection). For the preflight check, so
    /// that the check decides as the rotation does.
    public func placedAdminSecret(for current: DatabaseSecret, secretId: String) throws -> DatabaseSecret {
        try adminSecret(for: current, secretId: secretId).secret
    }
}
