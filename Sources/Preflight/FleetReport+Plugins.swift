/// CheckAll's count of secrets per password plugin, so an owner watches a
/// move off `mysql_native_password` finish (docs/mysql-upgrade.md).
extension FleetReport {
    /// Always counted, zero included: a plugin no secret uses any more
    /// reports 0, so its line on the dashboard reaches zero rather than stopping.
    public static let countedPlugins = [
        "mysql_native_password", "caching_sha2_password", "sha256_password", "ed25519", "parsec",
    ]
    /// Secrets whose plugin the check did not read (not checked, or AWSCURRENT did not log in).
    public static let unknownPlugin = "unknown"

    /// Every counted plugin, then any other seen, then `unknown`.
    public var secretsPerPlugin: [(plugin: String, count: Int)] {
        var counts: [String: Int] = [:]
        for secret in secrets { counts[secret.report?.plugin ?? Self.unknownPlugin, default: 0] += 1 }
        let others = counts.keys.filter { !Self.countedPlugins.contains($0) && $0 != Self.unknownPlugin }.sorted()
        return (Self.countedPlugins + others + [Self.unknownPlugin]).map { ($0, counts[$0] ?? 0) }
    }
}
