import JSON
import Platform

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

/// How long `testSecret` keeps trying a pending password on a read replica
/// or Aurora reader, where the change made on the primary arrives late.
public struct ReplicaLagWait {
    /// Waits after the first refusal, doubling up to `longestDelay`.
    public var firstDelay = 0.25
    public var longestDelay = 4.0
    /// The total wait, however much time the invocation has.
    public var maxSeconds = 60.0
    /// Seconds left in the invocation; a wait that would leave less than
    /// `reserve` for the last login and the report is not started.
    public var timeLeft: () -> Double = { 0 }
    public var reserve = CallContext.Margin.replicaLag.rawValue
    public var sleep: (Double) -> Void = { _ in }

    public init() {}

    /// The delays to sleep before each retry, computed as they are taken.
    public func nextDelay(after waited: Double, previous: Double?) -> Double? {
        let delay = previous.map { min($0 * 2, longestDelay) } ?? firstDelay
        guard waited + delay <= maxSeconds, delay + reserve <= timeLeft() else { return nil }
        return delay
    }
}
