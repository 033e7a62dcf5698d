import JSON

#if canImport(Glibc)
import Glibc
#endif

extension LambdaLogger {
    /// The level an EMF record is stamped with in the JSON log format.
    ///
    /// Lambda's log-level filter gives a JSON line without a valid `level`
    /// (or without a valid RFC 3339 `timestamp`) the level INFO, so a bare
    /// EMF record vanishes at `LogLevel` WARN and above, and the metrics
    /// with it. Metrics are not diagnostics: a record always carries the
    /// configured minimum level itself (INFO when that is lower), which the
    /// filter keeps whatever the setting.
    public var metricsLevel: Level { max(minimumLevel, .info) }

    /// Writes one EMF record, never filtered by this logger's level.
    public func emit(_ record: MetricsRecord) {
        sink(json ? record.line(level: metricsLevel) : record.line)
    }

    /// RFC 3339 in UTC with milliseconds, as Lambda's filter requires.
    static func timestamp(milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let fraction = Int32(((milliseconds % 1000) + 1000) % 1000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(fraction, 3))Z"
    }
}

extension MetricsRecord {
    /// The record with the `level` and `timestamp` members Lambda's JSON
    /// log filter reads (CloudWatch takes both as plain properties); the
    /// timestamp is the record's own.
    public func line(level: LambdaLogger.Level) -> String {
        var object = self.object
        object["level"] = .string(level.name)
        object["timestamp"] = .string(LambdaLogger.timestamp(milliseconds: timestampMilliseconds))
        return object.serialized
    }
}
