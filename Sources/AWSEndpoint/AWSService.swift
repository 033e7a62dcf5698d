/// A service's endpoint naming: its host prefix, the name in its
/// `AWS_ENDPOINT_URL_<NAME>` variable, and the exceptions its endpoint rules
/// make to the partition's pattern (read from botocore's
/// `endpoint-rule-set-1.json` of each service).
public struct AWSService: Sendable {
    public var hostPrefix: String
    public var environmentName: String
    public var legacyEndpointVariable: String?
    /// Keyed by variant, then partition name.
    var exceptions: [Variant: [String: HostShape]]

    struct Variant: Hashable, Sendable {
        var fips: Bool
        var dualStack: Bool
    }

    /// Whether the host carries `-fips`, and which of the partition's suffixes it ends in.
    struct HostShape: Sendable {
        var fips: Bool
        var dualStackSuffix: Bool
    }

    func shape(fips: Bool, dualStack: Bool, partition: String) -> HostShape {
        exceptions[Variant(fips: fips, dualStack: dualStack)]?[partition]
            ?? HostShape(fips: fips, dualStackSuffix: dualStack)
    }

    /// Secrets Manager's regular endpoints already answer over IPv6 in the
    /// commercial, China and GovCloud partitions, so its rules keep them for
    /// dual-stack.
    public static let secretsManager = AWSService(
        hostPrefix: "secretsmanager", environmentName: "SECRETS_MANAGER",
        legacyEndpointVariable: "SECRETS_MANAGER_ENDPOINT",
        exceptions: [
            Variant(fips: true, dualStack: true): [
                "aws": HostShape(fips: true, dualStackSuffix: false),
                "aws-us-gov": HostShape(fips: true, dualStackSuffix: false),
            ],
            Variant(fips: false, dualStack: true): [
                "aws": HostShape(fips: false, dualStackSuffix: false),
                "aws-cn": HostShape(fips: false, dualStackSuffix: false),
                "aws-us-gov": HostShape(fips: false, dualStackSuffix: false),
            ],
        ])

    /// RDS in GovCloud is FIPS-validated at its regular endpoint.
    public static let rds = AWSService(
        hostPrefix: "rds", environmentName: "RDS", legacyEndpointVariable: nil,
        exceptions: [
            Variant(fips: true, dualStack: false): ["aws-us-gov": HostShape(fips: false, dualStackSuffix: false)]
        ])
}
