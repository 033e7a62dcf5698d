/// Where an RDS-managed admin secret's database is. RDS keeps only the
/// user name and password in such a secret (`rds!db-…`, `rds!cluster-…`)
/// and names the database in a tag; the directory asks RDS the rest.
public protocol DatabaseDirectory {
    /// The database `resource` names, with the endpoints of its replicas or
    /// readers. Throws `DatabaseNotFound` when RDS has no such database.
    func primary(of resource: RDSResource) throws -> DatabaseTopology
}

/// RDS has no database by the name an admin secret's tag gives.
public struct DatabaseNotFound: Error, Sendable {
    public init() {}
}

/// The RDS instance or Aurora cluster named by an `rds!` secret's tag.
public struct RDSResource: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case instance
        case cluster
    }

    public static let instanceTag = "aws:rds:primaryDBInstanceArn"
    public static let clusterTag = "aws:rds:primaryDBClusterArn"

    public var kind: Kind
    public var arn: String
    public var partition: String
    public var region: String
    public var identifier: String

    /// `arn:<partition>:rds:<region>:<account>:db:<id>` (or `cluster:<id>`);
    /// nil for anything else, including a resource type that contradicts `kind`.
    public init?(kind: Kind, arn: String) {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 7, parts[0] == "arn", !parts[1].isEmpty, parts[2] == "rds", !parts[3].isEmpty,
            parts[5] == (kind == .instance ? "db" : "cluster"), !parts[6].isEmpty
        else { return nil }
        self.kind = kind
        self.arn = arn
        self.partition = parts[1]
        self.region = parts[3]
        self.identifier = parts[6]
    }

    /// The resource a secret's tags name, nil when they name none; a tag
    /// whose value is no RDS ARN of its kind is a problem of the secret.
    public static func named(byTags tags: [String: String]) throws(SecretProblem) -> RDSResource? {
        for (key, kind) in [(instanceTag, Kind.instance), (clusterTag, Kind.cluster)] {
            guard let value = tags[key] else { continue }
            guard let resource = RDSResource(kind: kind, arn: value) else {
                throw .wrongType(
                    key: "tag \(key)", expected: "the ARN of an RDS \(kind == .instance ? "instance" : "cluster")")
            }
            return resource
        }
        return nil
    }

    public var description: String { arn }
}

/// A host and port a client connects to.
public struct DatabaseEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// DNS names compare without regard to case.
    public func matches(host other: String, port otherPort: Int) -> Bool {
        host.lowercased() == other.lowercased() && port == otherPort
    }

    public var description: String { "\(host):\(port)" }
}

/// What RDS says about an admin's database: where its writer is, and where
/// clients may read (RDS MySQL/MariaDB read replicas; an Aurora cluster's
/// reader endpoint and its instances).
public struct DatabaseTopology: Sendable, Equatable {
    /// RDS's engine name: `mysql`, `mariadb`, `aurora-mysql`, ...
    public var engine: String
    /// Where the password is changed: the instance, or the cluster's writer endpoint.
    public var primary: DatabaseEndpoint
    public var readers: [DatabaseEndpoint]

    public init(engine: String, primary: DatabaseEndpoint, readers: [DatabaseEndpoint] = []) {
        self.engine = engine
        self.primary = primary
        self.readers = readers
    }

    public enum Placement: Sendable, Equatable {
        case primary
        case reader
    }

    /// Where a rotated secret's host sits in this database, nil when outside it.
    public func placement(host: String, port: Int) -> Placement? {
        if primary.matches(host: host, port: port) { return .primary }
        if readers.contains(where: { $0.matches(host: host, port: port) }) { return .reader }
        return nil
    }

    /// The `engine` key a secret for this database carries; nil for engines
    /// this function does not rotate (PostgreSQL, Oracle, ...).
    public var secretEngine: DatabaseSecret.Engine? {
        switch engine {
        case "mysql": .mysql
        case "mariadb": .mariadb
        case "aurora-mysql", "aurora": .auroraMySQL
        default: nil
        }
    }
}
