/// Keeps secrets out of error text coming back from the server or the library.
enum Redaction {
    /// Server messages cut quoted text at a fixed width (e.g. "near '%-.80s'"),
    /// so a secret can appear truncated; any run of this many bytes taken from
    /// a secret counts as quoting it. Short enough to catch a truncated tail,
    /// long enough that ordinary message words do not match by accident.
    static let fragmentLength = 8

    /// True when `message` contains any of `secrets`, or a fragment of one.
    static func mayQuote(_ message: String, anyOf secrets: [String]) -> Bool {
        let haystack = Array(message.utf8)
        for secret in secrets where !secret.isEmpty {
            let needle = Array(secret.utf8)
            let width = min(needle.count, fragmentLength)
            for start in 0...(needle.count - width)
            where contains(haystack, needle[start..<start + width]) {
                return true
            }
        }
        return false
    }

    /// `message`, or a placeholder when it may quote a secret; for texts that
    /// are worth keeping (connect errors) but must never carry a password.
    static func scrub(_ message: String, removing secrets: [String]) -> String {
        mayQuote(message, anyOf: secrets) ? "(message withheld: it may quote a credential)" : message
    }

    private static func contains(_ haystack: [UInt8], _ needle: ArraySlice<UInt8>) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for offset in 0...(haystack.count - needle.count)
        where haystack[offset..<offset + needle.count].elementsEqual(needle) {
            return true
        }
        return false
    }
}
