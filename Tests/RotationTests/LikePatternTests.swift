import Testing

@testable import Rotation

/// The LIKE matcher behind a grant's database pattern: linear, and the same
/// answers as the plain recursive definition.
@Suite struct LikePatternTests {
    /// The definition, read literally (exponential on `%…%` patterns, so only for short inputs).
    static func reference(_ pattern: [Character], _ text: [Character]) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        let rest = Array(pattern.dropFirst())
        switch first {
        case "%": return (0...text.count).contains { reference(rest, Array(text.dropFirst($0))) }
        case "_": return !text.isEmpty && reference(rest, Array(text.dropFirst()))
        case "\\" where !rest.isEmpty:
            return text.first == rest[0] && reference(Array(rest.dropFirst()), Array(text.dropFirst()))
        default: return text.first == first && reference(rest, Array(text.dropFirst()))
        }
    }

    @Test(arguments: [
        ("mysql", "mysql", true), ("%", "mysql", true), ("m_sql", "mysql", true), ("mysq%", "mysql", true),
        ("%sql", "mysql", true), ("my\\_sql", "mysql", false), ("my\\_sql", "my_sql", true),
        ("my\\%", "my%", true), ("my\\%", "mysql", false), ("mysql_", "mysql", false), ("_____", "mysql", true),
        ("______", "mysql", false), ("", "", true), ("", "a", false), ("%", "", true), ("a\\", "a\\", true),
        ("%%%", "x", true), ("a%b%c", "aXbYc", true), ("a%b%c", "aXbYcZ", false), ("%a_", "bab", true),
        ("app\\_db", "app_db", true), ("app\\_db", "appXdb", false), ("app_db", "appXdb", true),
    ])
    func matchesAsTheServerReadsIt(pattern: String, text: String, expected: Bool) {
        #expect(LikePattern(pattern).matches(text) == expected)
        #expect(Self.reference(Array(pattern), Array(text)) == expected, "the reference disagrees with the table")
    }

    /// Hostile patterns of 64 characters against `mysql` and long names that
    /// almost match. The recursive definition takes about 30 s on the first
    /// (C(68, 5) ways to share `mysql` among the `%`s) and far longer on others.
    @Test(arguments: [
        (String(repeating: "%", count: 63) + "y", "mysql", false),
        (String(repeating: "%", count: 63) + "y", String(repeating: "a", count: 63) + "y", true),
        (String(repeating: "%", count: 63) + "y", String(repeating: "a", count: 64), false),
        (String(repeating: "%a", count: 31) + "%y", String(repeating: "a", count: 64), false),
        (String(repeating: "%a", count: 31) + "%y", String(repeating: "a", count: 63) + "y", true),
        (String(repeating: "%a", count: 31) + "%y", String(repeating: "a", count: 30) + "y", false),
        (String(repeating: "%_", count: 32), String(repeating: "b", count: 64), true),
        (String(repeating: "%_", count: 32), String(repeating: "b", count: 31), false),
        (String(repeating: "%\\%", count: 21) + "%", String(repeating: "%", count: 64), true),
        (String(repeating: "%\\%", count: 21) + "%y", String(repeating: "%", count: 64), false),
        (String(repeating: "%a", count: 32), "mysql", false),
        (String(repeating: "%_", count: 32), "mysql", false),
    ])
    func hostilePatternsAnswerLinearly(pattern: String, text: String, expected: Bool) {
        #expect(LikePattern(pattern).matches(text) == expected)
    }

    /// Random patterns and names over a small alphabet (so they match often), against the definition.
    @Test func agreesWithTheDefinitionOnRandomInputs() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
        let patternAlphabet: [Character] = ["a", "b", "%", "_", "\\"]
        let textAlphabet: [Character] = ["a", "b", "%", "_", "\\"]
        var disagreements: [String] = []
        var matched = 0
        for _ in 0..<5000 {
            let pattern = String((0..<next(9)).map { _ in patternAlphabet[next(patternAlphabet.count)] })
            let text = String((0..<next(9)).map { _ in textAlphabet[next(textAlphabet.count)] })
            let expected = Self.reference(Array(pattern), Array(text))
            if expected { matched += 1 }
            if LikePattern(pattern).matches(text) != expected { disagreements.append("\(pattern) ~ \(text)") }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
        #expect(matched > 250, "too few random inputs matched to prove anything")
    }
}
