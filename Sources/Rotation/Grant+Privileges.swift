/// A grant read for comparison rather than for copying: which privileges on
/// which object. The preflight check reads SHOW GRANTS through these, so it
/// holds only lines that `Grant.parse(showGrantsLine:)` accepted and reads
/// them the way the rotation does.
extension Grant {
    /// The privileges named before `ON`, upper-cased, spacing normalised,
    /// column lists dropped (`UPDATE (a, b)` counts as `UPDATE`) and `ALL`
    /// spelled `ALL PRIVILEGES`; empty for a role grant.
    public var privilegeNames: Set<String> {
        let statement = PrintedStatement(what)
        var names = Set<String>()
        var words: [String] = []
        var depth = 0
        func close() {
            let name = words.joined(separator: " ").uppercased()
            if !name.isEmpty { names.insert(name == "ALL" ? "ALL PRIVILEGES" : name) }
            words = []
        }
        for token in statement.tokens {
            if token.is("ON") && depth == 0 { break }
            switch (token.kind, token.text) {
            case (.punctuation, "("): depth += 1
            case (.punctuation, ")"): depth -= 1
            case (.punctuation, ",") where depth == 0: close()
            case (.word, _) where depth == 0: words.append(token.text)
            default: continue
            }
        }
        guard statement.tokens.contains(where: { $0.is("ON") }) else { return [] }
        close()
        return names
    }

    /// The object after `ON` without backquotes (`appdb.*`, `app db.t`,
    /// `PROCEDURE db.p`); `nil` for a role grant.
    public var object: String? {
        onClause.map { String($0.dropFirst("ON ".count)).filter { $0 != "`" } }
    }
}
