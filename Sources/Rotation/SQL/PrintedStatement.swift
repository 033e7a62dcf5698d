/// A statement the server printed (a `SHOW GRANTS` line, `SHOW CREATE USER`),
/// cut into tokens so its clauses are read without being fooled by a quoted
/// name or string that holds a keyword, and so a part of it can be sent back
/// to the same server exactly as printed.
///
/// Such text holds password hashes; nothing here puts a token into an error.
/// `AccountProblem` names keywords only, through `keyword(_:)`.
struct PrintedStatement {
    struct Token {
        enum Kind { case word, quoted, punctuation }
        var kind: Kind
        /// As printed, quotes included.
        var text: String
        /// Where the token starts and ends in `characters`.
        var range: Range<Int>

        func `is`(_ keyword: String) -> Bool {
            kind == .word && text.uppercased() == keyword
        }

        var isNumber: Bool {
            kind == .word && !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
        }
    }

    let characters: [Character]
    let tokens: [Token]
    /// False when a quote was left open: the text cannot be read safely.
    let isComplete: Bool

    init(_ text: String) {
        let characters = Array(text)
        var tokens: [Token] = []
        var complete = true
        var index = 0
        func isWordCharacter(_ character: Character) -> Bool {
            character.isLetter || character.isNumber || character == "_" || character == "$"
        }
        while index < characters.count {
            let character = characters[index]
            let start = index
            if character.isWhitespace {
                index += 1
                continue
            }
            if character == "`" || character == "'" || character == "\"" {
                index += 1
                var closed = false
                while index < characters.count {
                    if characters[index] == "\\" && character != "`" {
                        index += 2
                        continue
                    }
                    if characters[index] == character {
                        // A doubled quote stays inside the name or string.
                        if index + 1 < characters.count && characters[index + 1] == character {
                            index += 2
                            continue
                        }
                        index += 1
                        closed = true
                        break
                    }
                    index += 1
                }
                index = min(index, characters.count)
                if !closed { complete = false }
                tokens.append(Token(kind: .quoted, text: String(characters[start..<index]), range: start..<index))
            } else if isWordCharacter(character) {
                while index < characters.count
                    && (isWordCharacter(characters[index])
                        // A decimal number such as MariaDB's `MAX_STATEMENT_TIME 2.500000`.
                        || (characters[index] == "." && index + 1 < characters.count && characters[index + 1].isNumber
                            && characters[start..<index].allSatisfy(\.isNumber)))
                {
                    index += 1
                }
                tokens.append(Token(kind: .word, text: String(characters[start..<index]), range: start..<index))
            } else {
                index += 1
                tokens.append(Token(kind: .punctuation, text: String(character), range: start..<index))
            }
        }
        self.characters = characters
        self.tokens = tokens
        self.isComplete = complete
    }

    /// The printed text from the first to the last of `tokens`, spacing kept.
    func text(of tokens: Range<Int>) -> String {
        guard let first = tokens.first, let last = tokens.last else { return "" }
        return String(characters[self.tokens[first].range.lowerBound..<self.tokens[last].range.upperBound])
    }

    /// A token's text when it is a keyword (letters, digits and `_`, starting
    /// with a letter), so an error may name it; never a string, a hex value
    /// or anything else that could be part of a password hash.
    static func keyword(_ token: Token?) -> String? {
        guard let token, token.kind == .word, let first = token.text.first, first.isLetter, token.text.count <= 32,
            token.text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else { return nil }
        return token.text.uppercased()
    }
}

/// Reads tokens one after another.
struct TokenCursor {
    let statement: PrintedStatement
    var index: Int

    init(_ statement: PrintedStatement, at index: Int = 0) {
        self.statement = statement
        self.index = index
    }

    var isAtEnd: Bool { index >= statement.tokens.count }
    var current: PrintedStatement.Token? { isAtEnd ? nil : statement.tokens[index] }

    func peek(_ offset: Int = 0) -> PrintedStatement.Token? {
        index + offset < statement.tokens.count ? statement.tokens[index + offset] : nil
    }

    /// Consumes the keywords when they come next, in order.
    mutating func accept(_ keywords: String...) -> Bool {
        for (offset, keyword) in keywords.enumerated() where !(peek(offset)?.is(keyword) ?? false) {
            return false
        }
        index += keywords.count
        return true
    }

    mutating func next() -> PrintedStatement.Token? {
        defer { index += 1 }
        return current
    }

    /// An account or role name: a quoted name, optionally `@` and a quoted host.
    mutating func acceptAccountName() -> Bool {
        guard current?.kind == .quoted else { return false }
        index += 1
        if current?.text == "@" {
            guard peek(1)?.kind == .quoted else { return false }
            index += 2
        }
        return true
    }
}
