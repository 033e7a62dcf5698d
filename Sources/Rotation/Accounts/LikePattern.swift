/// A LIKE pattern as the server reads a grant's database name: `%` matches
/// any run of characters, `_` one character, `\` makes the next one literal.
///
/// Matched greedily with one remembered `%` (the classic two-pointer
/// wildcard match): a later `%` supersedes an earlier one, since whatever
/// the earlier one could still absorb the later one can too. So a match
/// costs at most pattern length × text length steps, with no backtracking
/// into earlier `%`s: a hostile `%a%a…%y` pattern costs microseconds.
public struct LikePattern: Sendable, Equatable {
    enum Element: Equatable {
        case anyRun
        case anyOne
        case literal(Character)
    }

    let elements: [Element]

    public init(_ pattern: String) {
        var elements: [Element] = []
        var escaped = false
        for character in pattern {
            if escaped {
                elements.append(.literal(character))
                escaped = false
                continue
            }
            switch character {
            case "\\": escaped = true
            case "%": elements.append(.anyRun)
            case "_": elements.append(.anyOne)
            default: elements.append(.literal(character))
            }
        }
        // A trailing `\` escapes nothing and stands for itself, as on the server.
        if escaped { elements.append(.literal("\\")) }
        self.elements = elements
    }

    /// Whether `text` matches; characters compare exactly (callers fold case
    /// when they mean to).
    public func matches(_ text: String) -> Bool {
        let text = Array(text)
        var p = 0
        var t = 0
        // The last `%` seen and the text position it currently absorbs up to.
        var star: Int?
        var starText = 0
        while t < text.count {
            if p < elements.count {
                switch elements[p] {
                case .anyRun:
                    star = p
                    starText = t
                    p += 1
                    continue
                case .anyOne:
                    p += 1
                    t += 1
                    continue
                case .literal(let character) where character == text[t]:
                    p += 1
                    t += 1
                    continue
                case .literal: break
                }
            }
            // A mismatch: let the last `%` absorb one more character, or fail.
            guard let star else { return false }
            p = star + 1
            starText += 1
            t = starText
        }
        return elements[p...].allSatisfy { $0 == .anyRun }
    }
}
