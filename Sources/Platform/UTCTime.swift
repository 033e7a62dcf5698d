#if canImport(Glibc)
import Glibc
#endif

/// A wall-clock instant as UTC calendar fields: the one formatter of
/// timestamps, for the log's ISO 8601 and SigV4's `X-Amz-Date`.
public struct UTCTime: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int

    public init(epochMilliseconds: Int64) {
        var time = time_t(epochMilliseconds.floorDivided(by: 1000))
        var parts = tm()
        gmtime_r(&time, &parts)
        year = Int(parts.tm_year) + 1900
        month = Int(parts.tm_mon) + 1
        day = Int(parts.tm_mday)
        hour = Int(parts.tm_hour)
        minute = Int(parts.tm_min)
        second = Int(parts.tm_sec)
        millisecond = Int(epochMilliseconds - epochMilliseconds.floorDivided(by: 1000) * 1000)
    }

    public static func now() -> UTCTime {
        UTCTime(epochMilliseconds: WallClock.nowMilliseconds())
    }

    /// `2015-08-30T12:36:00.123Z`.
    public var iso8601Milliseconds: String { iso8601 + ".\(Self.pad(millisecond, 3))Z" }

    /// `2015-08-30T12:36:00Z`, to the second (the milliseconds dropped, not rounded).
    public var iso8601Seconds: String { iso8601 + "Z" }

    private var iso8601: String {
        "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))T"
            + "\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2))"
    }

    /// `20150830T123600Z`, ISO 8601's basic format to the second.
    public var basicSeconds: String {
        Self.pad(year, 4) + Self.pad(month, 2) + Self.pad(day, 2) + "T" + Self.pad(hour, 2) + Self.pad(minute, 2)
            + Self.pad(second, 2) + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
