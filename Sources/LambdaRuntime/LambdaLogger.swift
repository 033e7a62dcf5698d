import JSON

#if canImport(Glibc)
import Glibc
import Platform
#endif

/// Log lines in Lambda's two formats: text, or JSON when
/// `AWS_LAMBDA_LOG_FORMAT=JSON`, filtered by `AWS_LAMBDA_LOG_LEVEL`.
///
/// Callers pass names, identifiers, outcomes and durations. Nothing in this
/// program logs a password or a secret string, so there is no redaction
/// here to rely on.
public final class LambdaLogger {
    public enum Level: Int, Comparable, Sendable {
        case trace, debug, info, warn, error, fatal

        public init?(name: String) {
            switch name.uppercased() {
            case "TRACE": self = .trace
            case "DEBUG": self = .debug
            case "INFO": self = .info
            case "WARN", "WARNING": self = .warn
            case "ERROR": self = .error
            case "FATAL": self = .fatal
            default: return nil
            }
        }

        public var name: String {
            switch self {
            case .trace: "TRACE"
            case .debug: "DEBUG"
            case .info: "INFO"
            case .warn: "WARN"
            case .error: "ERROR"
            case .fatal: "FATAL"
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public let json: Bool
    public let minimumLevel: Level
    public var requestId: String?
    let sink: (String) -> Void

    /// Every line this logger writes, its EMF records included, goes to
    /// `sink` (standard output when none is given): one writer, so no record
    /// can leave without the `level` Lambda's log-level filter reads.
    public init(json: Bool, minimumLevel: Level, sink: ((String) -> Void)? = nil) {
        self.json = json
        self.minimumLevel = minimumLevel
        self.sink = sink ?? Self.writeToStandardOutput
    }

    public convenience init(environment: [String: String]) {
        let json = environment["AWS_LAMBDA_LOG_FORMAT"]?.uppercased() == "JSON"
        let level = environment["AWS_LAMBDA_LOG_LEVEL"].flatMap(Level.init(name:)) ?? .info
        self.init(json: json, minimumLevel: level)
    }

    public func log(_ level: Level, _ message: String, _ fields: [(String, String)] = []) {
        guard level >= minimumLevel else { return }
        if json {
            var object: JSONObject = [
                "timestamp": .string(Self.timestamp()), "level": .string(level.name), "message": .string(message),
            ]
            if let requestId { object["requestId"] = .string(requestId) }
            for (key, value) in fields { object[key] = .string(value) }
            sink(object.serialized)
        } else {
            var line = "\(level.name) \(Self.oneLine(message))"
            for (key, value) in fields { line += " \(Self.oneLine(key))=\(Self.oneLine(value))" }
            if let requestId { line = "\(Self.oneLine(requestId)) \(line)" }
            sink(line)
        }
    }

    /// Text for one log line: a line end in a value (a database's message,
    /// say) would otherwise start a new, forged line in CloudWatch. Control
    /// characters are escaped as in JSON, and a backslash is doubled, so the
    /// text reads back unambiguously.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }) else {
            return text
        }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": result.append(contentsOf: "\\n".unicodeScalars)
            case "\r": result.append(contentsOf: "\\r".unicodeScalars)
            case "\t": result.append(contentsOf: "\\t".unicodeScalars)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            default: result.append(scalar)
            }
        }
        return String(result)
    }

    /// One write per line, so lines from one process never interleave.
    /// Private: a line written past the logger would reach Lambda without a
    /// level and count as INFO, which `LogLevel` WARN and above drop.
    private static func writeToStandardOutput(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    static func timestamp() -> String {
        UTCTime.now().iso8601Milliseconds
    }
}
