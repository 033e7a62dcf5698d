import AWSEndpoint

/// Which endpoint serves a region, and which partition a region is in, for
/// the Secrets Manager client: both answered by `AWSEndpoint`, so the client
/// and RDS never disagree about a region.
public enum SecretsManagerEndpoint {
    /// The endpoint a region's secrets are read from when nothing overrides
    /// it: the partition's standard one (the FIPS and dual-stack flags, and
    /// `AWS_ENDPOINT_URL*`, serve the function's own region only).
    /// Nil for a string that is no region of a known partition: no URL is
    /// ever built from one (a `masterarn` of `x@127.0.0.1/` would otherwise
    /// send signed requests to 127.0.0.1).
    public static func regionalDefault(_ region: String) -> String? {
        try? Endpoint.resolve(
            service: .secretsManager, region: region, fips: false, dualStack: false, environment: [:])
    }

    /// The AWS partition of a region, as the endpoint rules name it; nil for
    /// a region of no known partition, as `Endpoint.resolve` refuses one: a
    /// guess would send signed requests to another partition's hosts.
    public static func partition(ofRegion region: String) -> String? {
        Partition.containing(region: region)?.name
    }

    static let overridePrefix = "SECRETS_MANAGER_ENDPOINT_"

    /// Endpoints set for other regions than the function's own:
    /// `SECRETS_MANAGER_ENDPOINT_US_WEST_2=https://…` serves `us-west-2`.
    /// (`SECRETS_MANAGER_ENDPOINT` itself is for the function's own region.)
    public static func overrides(fromEnvironment environment: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix(overridePrefix) && !value.isEmpty {
            let suffix = name.dropFirst(overridePrefix.count)
            guard !suffix.isEmpty else { continue }
            result[suffix.lowercased().replacing("_", with: "-")] = value
        }
        return result
    }
}

/// The parts of a Secrets Manager ARN that say where the secret lives:
/// `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`.
public struct SecretARN: Sendable, Equatable {
    public var partition: String
    public var region: String

    /// `nil` for a secret name, or anything that is not a Secrets Manager ARN
    /// (the service then answers for it, in the function's own region).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 6, omittingEmptySubsequences: false)
        guard parts.count == 7, parts[0] == "arn", parts[2] == "secretsmanager", parts[5] == "secret",
            !parts[1].isEmpty, !parts[3].isEmpty
        else { return nil }
        partition = String(parts[1])
        region = String(parts[3])
    }
}
