/// Where RDS requests go, following the AWS SDKs' configuration names:
/// `AWS_ENDPOINT_URL_RDS`, then `AWS_ENDPOINT_URL`, then the regional endpoint.
///
/// One function on purpose: a fuller resolver (partitions, FIPS, dual-stack)
/// can replace it without touching its callers.
public func rdsEndpoint(region: String, environment: [String: String]) -> String {
    for name in ["AWS_ENDPOINT_URL_RDS", "AWS_ENDPOINT_URL"] {
        if let value = environment[name], !value.isEmpty { return value }
    }
    // The China regions are the one partition whose DNS suffix differs for RDS.
    let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
    return "https://rds.\(region).\(suffix)"
}
