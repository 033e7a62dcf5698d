import Platform

/// What rotation reads about an RDS or Aurora instance.
public struct DBInstance: Sendable, Equatable {
    public var identifier: String
    public var engine: String
    /// `Endpoint.Address` and `Endpoint.Port`; absent while an instance is being created.
    public var address: String?
    public var port: Int?
    public var clusterIdentifier: String?
    public var readReplicaSource: String?
    public var readReplicas: [String]

    public init(
        identifier: String, engine: String, address: String?, port: Int?, clusterIdentifier: String? = nil,
        readReplicaSource: String? = nil, readReplicas: [String] = []
    ) {
        self.identifier = identifier
        self.engine = engine
        self.address = address
        self.port = port
        self.clusterIdentifier = clusterIdentifier
        self.readReplicaSource = readReplicaSource
        self.readReplicas = readReplicas
    }
}

/// What rotation reads about an Aurora cluster.
public struct DBCluster: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public var instanceIdentifier: String
        public var isWriter: Bool

        public init(instanceIdentifier: String, isWriter: Bool) {
            self.instanceIdentifier = instanceIdentifier
            self.isWriter = isWriter
        }
    }

    public var identifier: String
    public var engine: String
    public var endpoint: String?
    public var readerEndpoint: String?
    public var port: Int?
    public var members: [Member]

    public init(
        identifier: String, engine: String, endpoint: String?, readerEndpoint: String?, port: Int?, members: [Member]
    ) {
        self.identifier = identifier
        self.engine = engine
        self.endpoint = endpoint
        self.readerEndpoint = readerEndpoint
        self.port = port
        self.members = members
    }
}

extension RDSClient {
    /// `DescribeDBInstances` for one instance (identifier or ARN).
    public func describeDBInstance(
        _ identifier: String, context: CallContext = .unbounded
    ) throws(RDSError) -> DBInstance {
        let (element, fields) = try describeOne(
            "DescribeDBInstances", ("DBInstanceIdentifier", identifier), "DBInstance", context: context)
        return DBInstance(
            identifier: try fields.text(element, "DBInstanceIdentifier"), engine: try fields.text(element, "Engine"),
            address: element.descendant("Endpoint", "Address")?.text,
            port: try fields.port(element.descendant("Endpoint", "Port")),
            clusterIdentifier: element.child("DBClusterIdentifier")?.text,
            readReplicaSource: element.child("ReadReplicaSourceDBInstanceIdentifier")?.text,
            readReplicas: (element.child("ReadReplicaDBInstanceIdentifiers")?.children ?? []).map(\.text))
    }

    /// `DescribeDBClusters` for one cluster (identifier or ARN).
    public func describeDBCluster(
        _ identifier: String, context: CallContext = .unbounded
    ) throws(RDSError) -> DBCluster {
        let (element, fields) = try describeOne(
            "DescribeDBClusters", ("DBClusterIdentifier", identifier), "DBCluster", context: context)
        var members: [DBCluster.Member] = []
        for member in element.child("DBClusterMembers")?.children ?? [] {
            let writer = try fields.text(member, "IsClusterWriter")
            guard writer == "true" || writer == "false" else {
                throw .invalidResponse(
                    operation: fields.operation, reason: "IsClusterWriter is not a boolean", host: host)
            }
            members.append(
                .init(instanceIdentifier: try fields.text(member, "DBInstanceIdentifier"), isWriter: writer == "true"))
        }
        return DBCluster(
            identifier: try fields.text(element, "DBClusterIdentifier"), engine: try fields.text(element, "Engine"),
            endpoint: element.child("Endpoint")?.text, readerEndpoint: element.child("ReaderEndpoint")?.text,
            port: try fields.port(element.child("Port")), members: members)
    }

    /// The one `<kind>` element a Describe call by identifier answers, in
    /// its `<kind>s` list; any other count is an answer this client does not trust.
    private func describeOne(
        _ operation: String, _ parameter: (String, String), _ kind: String, context: CallContext
    ) throws(RDSError) -> (XMLElement, Fields) {
        let result = try call(operation, [parameter], context: context)
        let elements = result.child("\(kind)s")?.all(kind) ?? []
        guard elements.count == 1 else {
            throw .invalidResponse(
                operation: operation, reason: "\(elements.count) \(kind) elements, not 1", host: host)
        }
        return (elements[0], Fields(operation: operation, host: host))
    }

    struct Fields {
        var operation: String
        var host: String

        func text(_ element: XMLElement, _ name: String) throws(RDSError) -> String {
            guard let child = element.child(name), !child.text.isEmpty else {
                throw .invalidResponse(operation: operation, reason: "\(element.name) has no \(name)", host: host)
            }
            return child.text
        }

        func port(_ element: XMLElement?) throws(RDSError) -> Int? {
            guard let element else { return nil }
            guard let port = Int(element.text), (1...65535).contains(port) else {
                throw .invalidResponse(operation: operation, reason: "\(element.name) is not a port number", host: host)
            }
            return port
        }
    }
}
