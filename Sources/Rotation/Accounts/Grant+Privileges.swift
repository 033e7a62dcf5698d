/// A grant read for comparison rather than for copying: which privileges on
/// which object. The preflight check reads SHOW GRANTS through these, so it
/// holds only lines that `Grant.parse(showGrantsLine:)` accepted and reads
/// them the way the rotation does.
extension Grant {
    /// The privileges named before `ON`, upper-cased, spacing normalised,
    /// column lists dropped (`UPDATE (a, b)` counts as `UPDATE`) and `ALL`
    /// spelled `ALL PRIVILEGES`; empty for a role grant.
    public var privilegeNames: Set<String> {
        // The rotation's own reading (AccountPrivileges), so the check and
        // the privilege guard cannot name a line's privileges differently.
        let statement = PrintedStatement(what)
        guard let on = statement.tokens.firstIndex(where: { $0.is("ON") }) else { return [] }
        return Set(AccountPrivileges.privilegeNames(statement, before: on).filter { !$0.isEmpty })
    }

    /// What a privilege grant is on (the one reading, `GrantObject`); nil
    /// for a role or proxy grant.
    public var object: GrantObject? {
        let statement = PrintedStatement(what)
        guard kind == .privileges, let on = statement.tokens.firstIndex(where: { $0.is("ON") }) else { return nil }
        return GrantObject(statement, after: on)
    }
}
