import Platform

/// The two UTC timestamps SigV4 uses: `20150830T123600Z` for `X-Amz-Date`
/// and `20150830` for the credential scope.
struct AMZDate: Equatable {
    var dateTime: String
    var date: String { String(dateTime.prefix(8)) }

    init(epochSeconds: Int64) {
        dateTime = UTCTime(epochMilliseconds: epochSeconds * 1000).basicSeconds
    }
}
