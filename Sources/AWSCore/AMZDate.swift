#if canImport(Glibc)
import Glibc
#endif

/// The two UTC timestamps SigV4 uses: `20150830T123600Z` for `X-Amz-Date`
/// and `20150830` for the credential scope.
struct AMZDate: Equatable {
    var dateTime: String
    var date: String { String(dateTime.prefix(8)) }

    init(epochSeconds: Int64) {
        var time = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        dateTime =
            Self.pad(Int(parts.tm_year) + 1900, 4) + Self.pad(Int(parts.tm_mon) + 1, 2)
            + Self.pad(Int(parts.tm_mday), 2)
            + "T" + Self.pad(Int(parts.tm_hour), 2) + Self.pad(Int(parts.tm_min), 2) + Self.pad(Int(parts.tm_sec), 2)
            + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
