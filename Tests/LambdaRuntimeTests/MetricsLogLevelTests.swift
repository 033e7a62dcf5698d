import JSON
import LambdaRuntime
import Testing

/// Lambda's documented log-level filter for JSON logs ("Log-level filtering",
/// Lambda developer guide): a line's level is its `level` member; when that
/// is missing or invalid, or when `timestamp` is not valid RFC 3339, the line
/// counts as INFO. Lines below the function's ApplicationLogLevel are dropped.
private func lambdaKeeps(_ line: String, applicationLogLevel: LambdaLogger.Level) -> Bool {
    var level = LambdaLogger.Level.info
    if let object = try? JSONValue(parsing: Array(line.utf8)),
        case .string(let name)? = object["level"], let parsed = LambdaLogger.Level(name: name),
        case .string(let timestamp)? = object["timestamp"], isRFC3339(timestamp)
    {
        level = parsed
    }
    return level >= applicationLogLevel
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z`, the UTC form of RFC 3339's date-time.
private func isRFC3339(_ text: String) -> Bool {
    let shape = Array(text.utf8)
    guard shape.count >= 20, shape.last == UInt8(ascii: "Z") else { return false }
    let digits: [Int] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
    let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
    return digits.allSatisfy { (48...57).contains(shape[$0]) }
        && separators.allSatisfy { shape[$0.0] == UInt8(ascii: $0.1.unicodeScalars.first!) }
        && (shape.count == 20
            || (shape[19] == UInt8(ascii: ".") && shape[20..<(shape.count - 1)].allSatisfy { (48...57).contains($0) }))
}

@Suite struct MetricsLogLevelTests {
    static let allowedLevels: [LambdaLogger.Level] = [.trace, .debug, .info, .warn, .error, .fatal]

    func record() -> MetricsRecord {
        MetricsRecord(
            namespace: "MySQLRotator", dimensions: [(name: "Step", value: "setSecret")],
            metrics: [(name: "Duration", unit: .milliseconds, value: 12)], timestampMilliseconds: 1_700_000_000_123)
    }

    @Test(arguments: allowedLevels)
    func anEMFRecordSurvivesEveryLogLevel(_ level: LambdaLogger.Level) throws {
        var lines: [String] = []
        let logger = LambdaLogger(json: true, minimumLevel: level) { lines.append($0) }
        logger.emit(record())
        let line = try #require(lines.first)
        #expect(lambdaKeeps(line, applicationLogLevel: level), "Lambda would drop the metrics at \(level.name)")
        // Still an EMF record CloudWatch reads.
        let object = try JSONValue(parsing: Array(line.utf8))
        #expect(object["_aws"]?["CloudWatchMetrics"]?.arrayValue?.first?["Namespace"] == .string("MySQLRotator"))
        #expect(object["Duration"] == .number("12"))
        #expect(object["timestamp"] == .string("2023-11-14T22:13:20.123Z"))
    }

    /// Control: the bare record (no level) is what Lambda drops at WARN and above.
    @Test(arguments: allowedLevels)
    func aBareRecordIsDroppedAboveInfo(_ level: LambdaLogger.Level) {
        #expect(lambdaKeeps(record().line, applicationLogLevel: level) == (level <= .info))
    }

    @Test func theFilterRuleReadsLevelAndTimestamp() {
        let stamp = "2024-11-02T16:51:31.587Z"
        #expect(lambdaKeeps(#"{"level":"ERROR","timestamp":"\#(stamp)"}"#, applicationLogLevel: .error))
        #expect(!lambdaKeeps(#"{"level":"ERROR","timestamp":"yesterday"}"#, applicationLogLevel: .error))
        #expect(!lambdaKeeps(#"{"level":"LOUD","timestamp":"\#(stamp)"}"#, applicationLogLevel: .warn))
        #expect(!lambdaKeeps(#"{"level":"DEBUG","timestamp":"\#(stamp)"}"#, applicationLogLevel: .info))
    }

    @Test func theTextFormatWritesTheRecordUnchanged() throws {
        var lines: [String] = []
        let logger = LambdaLogger(json: false, minimumLevel: .fatal) { lines.append($0) }
        logger.emit(record())
        #expect(lines == [record().line])
    }
}
