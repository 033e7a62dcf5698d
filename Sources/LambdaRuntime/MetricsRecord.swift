import JSON

/// One CloudWatch Embedded Metric Format record: a JSON object whose `_aws`
/// member tells CloudWatch Logs which of its other members are metrics and
/// which are dimensions. Lambda sends stdout to CloudWatch Logs, which turns
/// such lines into metrics without any API call from the function.
///
/// Dimensions are for values with few distinct members (a step name, a
/// strategy); anything identifying one resource (a secret's ARN) goes in
/// `properties`, which are searchable in Logs Insights but cost no metric.
public struct MetricsRecord: Sendable {
    public enum Unit: String, Sendable {
        case milliseconds = "Milliseconds"
        case count = "Count"
    }

    public var namespace: String
    public var dimensions: [(name: String, value: String)]
    public var metrics: [(name: String, unit: Unit, value: Int)]
    public var properties: [(name: String, value: String)]
    public var timestampMilliseconds: Int64

    public init(
        namespace: String, dimensions: [(name: String, value: String)],
        metrics: [(name: String, unit: Unit, value: Int)], properties: [(name: String, value: String)] = [],
        timestampMilliseconds: Int64
    ) {
        self.namespace = namespace
        self.dimensions = dimensions
        self.metrics = metrics
        self.properties = properties
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// The record as one line of JSON.
    public var line: String { object.serialized }

    /// The record's members, `_aws` directive included.
    var object: JSONObject {
        let directive: JSONObject = [
            "Namespace": .string(namespace),
            "Dimensions": .array([.array(dimensions.map { .string($0.name) })]),
            "Metrics": .array(metrics.map { .object(["Name": .string($0.name), "Unit": .string($0.unit.rawValue)]) }),
        ]
        var object: JSONObject = [
            "_aws": .object([
                "Timestamp": .number(String(timestampMilliseconds)),
                "CloudWatchMetrics": .array([.object(directive)]),
            ])
        ]
        // Properties first, so a dimension or metric of the same name wins.
        for (name, value) in properties { object[name] = .string(value) }
        for (name, value) in dimensions { object[name] = .string(value) }
        for (name, _, value) in metrics { object[name] = .number(String(value)) }
        return object
    }

    /// CloudWatch's rule for namespaces: 1 to 255 of `0-9A-Za-z.-_/#:` and
    /// space, not starting with `AWS/` (reserved for AWS's own).
    public static func isValidNamespace(_ namespace: String) -> Bool {
        guard (1...255).contains(namespace.count), !namespace.hasPrefix("AWS/") else { return false }
        return namespace.allSatisfy { character in
            character.isASCII && (character.isLetter || character.isNumber || ".-_/#: ".contains(character))
        }
    }
}
