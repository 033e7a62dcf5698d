import AWSEndpoint

/// An ARN's region becomes part of a host name, so it must be a region of a
/// partition the function knows (the table in `AWSEndpoint.Partition`,
/// checked against botocore's), and the ARN's partition must be that
/// region's: `arn:aws:` with a `cn-` region is refused rather than sent to
/// either partition.
extension SecretARN {
    func check(operation: String) throws(SecretsManagerError) {
        guard let regionPartition = Partition.containing(region: region) else {
            throw .invalidARN(
                operation: operation, problem: "names a region that belongs to no AWS partition this function knows")
        }
        guard regionPartition.name == partition else {
            let named =
                Partition.all.contains { $0.name == partition } ? "partition \(partition)" : "an unknown partition"
            throw .invalidARN(
                operation: operation,
                problem: "says \(named), but its region is in partition \(regionPartition.name)")
        }
    }
}
