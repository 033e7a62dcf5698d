/// An AWS partition: which regions belong to it and the DNS suffixes of its
/// endpoints. The values are botocore's (`botocore/data/partitions.json` and,
/// for dual-stack, the variants its `endpoints.json` offers);
/// `Tests/AWSEndpointTests` checks every partition against botocore's own
/// resolution, so a drift in either fails a test.
public struct Partition: Sendable, Equatable {
    public var name: String
    /// Region prefixes as botocore's `regionRegex` reads them: `prefix-word-digits`.
    var regionPrefixes: [String]
    public var dnsSuffix: String
    public var dualStackDNSSuffix: String
    public var supportsFIPS: Bool
    public var supportsDualStack: Bool

    public static let all: [Partition] = [
        Partition(
            name: "aws", regionPrefixes: ["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
            dnsSuffix: "amazonaws.com", dualStackDNSSuffix: "api.aws", supportsFIPS: true, supportsDualStack: true),
        Partition(
            name: "aws-cn", regionPrefixes: ["cn"], dnsSuffix: "amazonaws.com.cn",
            dualStackDNSSuffix: "api.amazonwebservices.com.cn", supportsFIPS: true, supportsDualStack: true),
        Partition(
            name: "aws-us-gov", regionPrefixes: ["us-gov"], dnsSuffix: "amazonaws.com",
            dualStackDNSSuffix: "api.aws", supportsFIPS: true, supportsDualStack: true),
        Partition(
            name: "aws-iso", regionPrefixes: ["us-iso"], dnsSuffix: "c2s.ic.gov",
            dualStackDNSSuffix: "api.aws.ic.gov", supportsFIPS: true, supportsDualStack: true),
        Partition(
            name: "aws-iso-b", regionPrefixes: ["us-isob"], dnsSuffix: "sc2s.sgov.gov",
            dualStackDNSSuffix: "api.aws.scloud", supportsFIPS: true, supportsDualStack: true),
        // partitions.json says dual-stack, but botocore offers no dual-stack
        // variant for these two yet and refuses the flag; so do we.
        Partition(
            name: "aws-iso-e", regionPrefixes: ["eu-isoe"], dnsSuffix: "cloud.adc-e.uk",
            dualStackDNSSuffix: "api.cloud-aws.adc-e.uk", supportsFIPS: true, supportsDualStack: false),
        Partition(
            name: "aws-iso-f", regionPrefixes: ["us-isof"], dnsSuffix: "csp.hci.ic.gov",
            dualStackDNSSuffix: "api.aws.hci.ic.gov", supportsFIPS: true, supportsDualStack: false),
        Partition(
            name: "aws-eusc", regionPrefixes: ["eusc-de"], dnsSuffix: "amazonaws.eu",
            dualStackDNSSuffix: "api.amazonwebservices.eu", supportsFIPS: true, supportsDualStack: true),
    ]

    /// The partition whose pattern `prefix-word-digits` the region matches.
    /// More specific prefixes win (`us-gov-west-1` is not `aws`'s `us-…`),
    /// which is what botocore's anchored patterns achieve.
    public static func containing(region: String) -> Partition? {
        var best: (partition: Partition, prefixLength: Int)?
        for partition in all {
            for prefix in partition.regionPrefixes where matches(region, prefix: prefix) {
                if prefix.count > (best?.prefixLength ?? -1) { best = (partition, prefix.count) }
            }
        }
        return best?.partition
    }

    /// `^prefix-\w+-\d+$`.
    static func matches(_ region: String, prefix: String) -> Bool {
        guard region.hasPrefix(prefix + "-") else { return false }
        let rest = region.dropFirst(prefix.count + 1)
        guard let dash = rest.lastIndex(of: "-") else { return false }
        let word = rest[..<dash]
        let digits = rest[rest.index(after: dash)...]
        // ASCII only, as the regex's `\w` reads in botocore: a region goes into a
        // host name, so nothing else may pass for one.
        func isWord(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
        return !word.isEmpty && word.allSatisfy(isWord) && !digits.isEmpty
            && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
