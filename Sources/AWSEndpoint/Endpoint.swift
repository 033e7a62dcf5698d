/// Where an AWS service's requests go, decided the way the AWS SDKs decide:
///
/// 1. `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_SECRETS_MANAGER`),
/// 2. `AWS_ENDPOINT_URL`,
///    (both ignored when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`, as in the SDKs),
/// 3. the service's own legacy variable, if it has one (`SECRETS_MANAGER_ENDPOINT`,
///    which AWS's rotation templates honour),
/// 4. the partition's endpoint for the region, with the FIPS and dual-stack
///    variants asked for by `AWS_USE_FIPS_ENDPOINT` / `AWS_USE_DUALSTACK_ENDPOINT`.
///
/// A configured URL wins over the flags, as in botocore. A region in no known
/// partition is an error rather than a guess: a wrong guess would send signed
/// requests to another partition's hosts.
public enum Endpoint {
    public static func resolve(
        service: AWSService, region: String, fips: Bool, dualStack: Bool, environment: [String: String]
    ) throws(EndpointError) -> String {
        for name in configuredNames(service, environment) {
            if let url = environment[name], !url.isEmpty {
                guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                    throw .notAURL(variable: name)
                }
                return url
            }
        }
        guard let partition = Partition.containing(region: region) else {
            throw .unknownPartition(region: region)
        }
        if fips && !partition.supportsFIPS { throw .variantUnsupported(partition: partition.name, variant: "FIPS") }
        if dualStack && !partition.supportsDualStack {
            throw .variantUnsupported(partition: partition.name, variant: "dual-stack")
        }
        let shape = service.shape(fips: fips, dualStack: dualStack, partition: partition.name)
        let host = shape.fips ? "\(service.hostPrefix)-fips" : service.hostPrefix
        let suffix = shape.dualStackSuffix ? partition.dualStackDNSSuffix : partition.dnsSuffix
        return "https://\(host).\(region).\(suffix)"
    }

    /// The same, with the flags read from the environment as the SDKs read them.
    public static func resolve(
        service: AWSService, region: String, environment: [String: String]
    ) throws(EndpointError) -> String {
        try resolve(
            service: service, region: region, fips: flag("AWS_USE_FIPS_ENDPOINT", environment),
            dualStack: flag("AWS_USE_DUALSTACK_ENDPOINT", environment), environment: environment)
    }

    /// botocore's reading of a boolean setting: `true` in any case, anything else is false.
    static func flag(_ name: String, _ environment: [String: String]) -> Bool {
        environment[name]?.lowercased() == "true"
    }

    static func configuredNames(_ service: AWSService, _ environment: [String: String]) -> [String] {
        var names: [String] = []
        if !flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", environment) {
            names = ["AWS_ENDPOINT_URL_\(service.environmentName)", "AWS_ENDPOINT_URL"]
        }
        if let legacy = service.legacyEndpointVariable { names.append(legacy) }
        return names
    }
}

public enum EndpointError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownPartition(region: String)
    case variantUnsupported(partition: String, variant: String)
    case notAURL(variable: String)

    public var description: String {
        switch self {
        case .unknownPartition(let region):
            "region \(region) belongs to no AWS partition this function knows; set AWS_ENDPOINT_URL_SECRETS_MANAGER (or SECRETS_MANAGER_ENDPOINT) to the service's URL"
        case .variantUnsupported(let partition, let variant):
            "partition \(partition) has no \(variant) endpoints; unset the corresponding AWS_USE_… variable or set an endpoint URL"
        case .notAURL(let variable):
            "environment variable \(variable) must be an http:// or https:// URL"
        }
    }
}
