import JSON

/// The admin's database: from the admin secret's own keys, or, for a secret
/// RDS manages (no `host`), from RDS through the secret's tag.
extension Rotator {
    struct AdminPlacement {
        var secret: DatabaseSecret
        /// The rotated secret's host is a read replica or Aurora reader of the admin's database.
        var rotatedOnReader: Bool
    }

    /// Reads and places the admin secret; refuses, before any login, an admin
    /// whose database is not the one the rotated secret points at.
    func placeAdmin(
        _ text: String, masterARN: String, for current: DatabaseSecret, secretId: String
    ) throws -> AdminPlacement {
        let document: JSONObject
        do {
            let value = try JSONValue(parsing: text)
            guard let object = value.objectValue else { throw SecretProblem.notAnObject }
            document = object
        } catch let problem as SecretProblem {
            throw RotationError.invalidSecret(secretId: masterARN, stage: Stage.current, problem: problem)
        } catch {
            throw RotationError.invalidSecret(secretId: masterARN, stage: Stage.current, problem: .notJSON("\(error)"))
        }

        if let host = document["host"], host != .null {
            let admin = try parseAdmin(document, masterARN: masterARN)
            guard admin.host == current.host, admin.port == current.port else {
                throw RotationError.adminElsewhere(secretId: secretId, adminSecretId: masterARN)
            }
            return AdminPlacement(secret: admin, rotatedOnReader: false)
        }

        let resource: RDSResource?
        do {
            resource = try RDSResource.named(byTags: try store.describe(masterARN).tags)
        } catch let problem as SecretProblem {
            throw RotationError.invalidSecret(secretId: masterARN, stage: Stage.current, problem: problem)
        }
        guard let resource, let directory else {
            throw RotationError.adminHasNoDatabase(secretId: secretId, adminSecretId: masterARN)
        }
        let topology: DatabaseTopology
        do {
            topology = try directory.primary(of: resource)
        } catch is DatabaseNotFound {
            throw RotationError.adminDatabaseNotFound(adminSecretId: masterARN, resource: resource.arn)
        }
        guard let engine = topology.secretEngine else {
            throw RotationError.adminDatabaseUnsupported(
                adminSecretId: masterARN, resource: resource.arn, engine: topology.engine)
        }
        guard let placement = topology.placement(host: current.host, port: current.port) else {
            throw RotationError.adminElsewhere(secretId: secretId, adminSecretId: masterARN)
        }
        // RDS keeps only the credentials in its secret; the rest comes from
        // its answer, and the TLS choice from the rotated secret.
        var completed = document
        completed["engine"] = .string(engine.rawValue)
        completed["host"] = .string(topology.primary.host)
        completed["port"] = .number(String(topology.primary.port))
        if completed["ssl"] == nil, let ssl = current.ssl { completed["ssl"] = .bool(ssl) }
        return AdminPlacement(
            secret: try parseAdmin(completed, masterARN: masterARN), rotatedOnReader: placement == .reader)
    }

    private func parseAdmin(_ document: JSONObject, masterARN: String) throws -> DatabaseSecret {
        do {
            return try DatabaseSecret(document: document)
        } catch {
            throw RotationError.invalidSecret(secretId: masterARN, stage: Stage.current, problem: error)
        }
    }
}

/// The admin named by the rotated secret's `masterarn`, as admin and
/// alternating use it: read, placed and given verified TLS once per step
/// (`Rotator.admin(for:secretId:)`), then handed to whatever opens its sessions.
struct Admin {
    /// Placed, and with verified TLS only for its sessions (SessionProtection).
    let secret: DatabaseSecret
    /// The admin secret's id (`masterarn`).
    let id: String
    /// The rotated secret, named in errors.
    let rotatedSecretId: String

    /// A session as the admin, whose refusal is reported as the admin
    /// secret's, not mistaken for the rotated secret's.
    func session<T>(in database: any Database, _ body: (any DatabaseSession) throws -> T) throws -> T {
        do {
            return try database.withSession(secret.login, body)
        } catch is LoginRejected {
            throw RotationError.adminLoginFailed(secretId: rotatedSecretId, adminSecretId: id)
        }
    }
}

extension Rotator {
    /// The admin of `current`, which must point at the same server as the
    /// rotated secret (or, for an RDS-managed admin, its database's primary
    /// when the rotated one is a replica or reader of it).
    func admin(for current: DatabaseSecret, secretId: String) throws -> Admin {
        guard let masterARN = current.masterARN else {
            throw RotationError.invalidSecret(
                secretId: secretId, stage: Stage.current, problem: .missingKey("masterarn"))
        }
        guard let stored = try store.value(of: masterARN, stage: Stage.current, versionId: nil) else {
            throw RotationError.stageHasNoValue(secretId: masterARN, stage: Stage.current)
        }
        let placed = try placeAdmin(stored.secretString, masterARN: masterARN, for: current, secretId: secretId)
        // A session as the admin can change any account: verified TLS only (SessionProtection).
        return Admin(secret: placed.secret.changingAccounts, id: masterARN, rotatedSecretId: secretId)
    }

    /// The admin secret exactly as setSecret reads and places it: read
    /// afresh, placed through RDS when RDS manages it (no `host`, a tag
    /// naming the database), refused when it names another server, and with
    /// verified TLS only for its sessions (SessionProtection). For the preflight check, so
    /// that the check decides as the rotation does.
    public func placedAdminSecret(for current: DatabaseSecret, secretId: String) throws -> DatabaseSecret {
        try admin(for: current, secretId: secretId).secret
    }
}
