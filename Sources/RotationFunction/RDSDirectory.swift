import AWSCore
import AWSEndpoint
import CurlHTTP
import Platform
import RDS
import Rotation

/// RDS as the directory of RDS-managed admins' databases. One client per
/// region, made on first use: an admin's database may live in another
/// region (its tag's ARN says which), and so may a cross-region replica.
/// Every request is bounded by the `CallContext` of its call (see `Bound`).
final class RDSDirectory {
    let credentials: AWSCredentials
    let environment: [String: String]
    let maxAttempts: Int
    private var clients: [String: RDSClient] = [:]

    init(credentials: AWSCredentials, environment: [String: String], maxAttempts: Int) {
        self.credentials = credentials
        self.environment = environment
        self.maxAttempts = maxAttempts
    }

    var callCount: Int {
        clients.values.reduce(0) { $0 + $1.callCounts.values.reduce(0, +) }
    }

    /// The region's client; its endpoint is resolved as the SDKs resolve it
    /// (`AWS_ENDPOINT_URL_RDS`, `AWS_ENDPOINT_URL`, the partition's default).
    func client(for region: String) throws -> RDSClient {
        if let client = clients[region] { return client }
        let client = RDSClient(
            region: region, endpoint: try Endpoint.resolve(service: .rds, region: region, environment: environment),
            credentials: credentials,
            transport: HTTPClient(caBundle: nil), maxAttempts: maxAttempts)
        clients[region] = client
        return client
    }

    func primary(of resource: RDSResource, context: CallContext) throws -> DatabaseTopology {
        let client = try client(for: resource.region)
        do {
            switch resource.kind {
            case .instance:
                let instance = try client.describeDBInstance(resource.identifier, context: context)
                var readers: [DatabaseEndpoint] = []
                for replica in instance.readReplicas {
                    if let endpoint = try replicaEndpoint(replica, region: resource.region, context: context) {
                        readers.append(endpoint)
                    }
                }
                return DatabaseTopology(
                    engine: instance.engine, primary: try endpoint(instance, client: client), readers: readers)
            case .cluster:
                let cluster = try client.describeDBCluster(resource.identifier, context: context)
                guard let writer = cluster.endpoint, let port = cluster.port else {
                    throw RDSError.invalidResponse(
                        operation: "DescribeDBClusters", reason: "the cluster has no Endpoint or Port yet",
                        host: client.host)
                }
                var readers: [DatabaseEndpoint] = []
                if let reader = cluster.readerEndpoint { readers.append(DatabaseEndpoint(host: reader, port: port)) }
                // Every member's own endpoint: a client may pin one instance,
                // the writer's included (its changes need no replication).
                for member in cluster.members {
                    if let endpoint = try replicaEndpoint(
                        member.instanceIdentifier, region: resource.region, context: context)
                    {
                        readers.append(endpoint)
                    }
                }
                return DatabaseTopology(
                    engine: cluster.engine, primary: DatabaseEndpoint(host: writer, port: port), readers: readers)
            }
        } catch let error as RDSError where error.isNotFound {
            throw DatabaseNotFound()
        }
    }

    /// A replica or member named by identifier or, across regions, by ARN;
    /// nil when it is gone or has no endpoint yet (it cannot be the secret's host then).
    func replicaEndpoint(_ name: String, region: String, context: CallContext) throws -> DatabaseEndpoint? {
        let parts = name.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let isARN = name.hasPrefix("arn:")
        if isARN && parts.count != 7 { return nil }
        let client = try client(for: isARN ? parts[3] : region)
        let instance: DBInstance
        do {
            instance = try client.describeDBInstance(isARN ? parts[6] : name, context: context)
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
        guard let address = instance.address, let port = instance.port else { return nil }
        return DatabaseEndpoint(host: address, port: port)
    }

    func endpoint(_ instance: DBInstance, client: RDSClient) throws -> DatabaseEndpoint {
        guard let address = instance.address, let port = instance.port else {
            throw RDSError.invalidResponse(
                operation: "DescribeDBInstances", reason: "the instance has no Endpoint yet", host: client.host)
        }
        return DatabaseEndpoint(host: address, port: port)
    }
}

extension RDSDirectory {
    /// The directory for one invocation: every RDS request carries `context`.
    struct Bound: DatabaseDirectory {
        let directory: RDSDirectory
        let context: CallContext

        func primary(of resource: RDSResource) throws -> DatabaseTopology {
            try directory.primary(of: resource, context: context)
        }
    }
}
