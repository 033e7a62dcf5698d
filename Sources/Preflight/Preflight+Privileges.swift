import Rotation

extension PreflightRun {
    /// Whether the strategy's statements would be allowed, read from the
    /// grants; none of them is run.
    func checkPrivileges() {
        switch strategy {
        case .single:
            guard let facts = currentSession else { return }
            let statement = facts.server.map { $0.setOwnPassword("…", replacing: "…").description } ?? "SET PASSWORD"
            add(
                "privileges", true,
                "\(facts.account) may change its own password with no privilege: the rotation runs \(statement)")
        case .admin:
            guard let user = currentSession, let admin = adminSession else { return }
            let verdict = Self.adminVerdict(admin: admin.grants)
            if verdict.isEmpty {
                add(
                    "privileges", true,
                    "the admin \(admin.account) may run ALTER USER \(user.account) (it holds CREATE USER on *.* or UPDATE on mysql)"
                )
            } else {
                add(
                    "privileges", false,
                    "the admin \(admin.account) lacks \(verdict.joined(separator: "; ")): ALTER USER \(user.account) would be refused",
                    advice: "GRANT CREATE USER ON *.* TO \(admin.account)")
            }
        case .alternating:
            guard let user = currentSession, let admin = adminSession else { return }
            let missing = Self.alternatingVerdict(
                admin: admin.grants, user: user.grants, cloneExists: admin.cloneExists)
            let clone = Rotator.alternate(user.account.user)
            let cloneState =
                switch admin.cloneExists {
                case true?: "the other user \(clone) exists"
                case false?: "the other user \(clone) does not exist yet and will be created"
                case nil: "whether the other user \(clone) exists could not be read"
                }
            if missing.isEmpty {
                add(
                    "privileges", true,
                    "\(cloneState); the admin \(admin.account) may create users, read the grant tables and grant every privilege and role of \(user.account)"
                )
            } else {
                add(
                    "privileges", false,
                    "\(cloneState); the admin \(admin.account) lacks \(missing.joined(separator: "; "))",
                    advice:
                        "Give the admin what is listed under the alternating strategy in docs/strategies.md (CREATE USER, SELECT on mysql.*, the user's privileges WITH GRANT OPTION, its roles WITH ADMIN OPTION)"
                )
            }
        }
    }

    /// What the admin lacks for `ALTER USER` on another account.
    static func adminVerdict(admin: GrantSet) -> [String] {
        admin.holds("CREATE USER", on: .everything) || admin.holds("UPDATE", on: .mysqlSchema)
            ? [] : ["CREATE USER on *.*"]
    }

    /// What the admin lacks to make the other user a copy of the current one.
    static func alternatingVerdict(admin: GrantSet, user: GrantSet, cloneExists: Bool?) -> [String] {
        var missing: [String] = []
        if !admin.holds("CREATE USER", on: .everything) { missing.append("CREATE USER on *.*") }
        if !admin.holds("SELECT", on: .mysqlSchema) { missing.append("SELECT on mysql.*") }
        let wanted = user.toCopy
        for (privilege, object) in wanted.privileges where !admin.holds(privilege, on: object, withGrantOption: true) {
            missing.append("\(privilege) on \(object) WITH GRANT OPTION")
        }
        for account in wanted.proxies where !admin.holdsProxy(account, withGrantOption: true) {
            missing.append("PROXY on \(account) WITH GRANT OPTION")
        }
        for role in wanted.roles where !admin.holdsRole(role, withAdminOption: true) {
            missing.append("role \(role) WITH ADMIN OPTION")
        }
        return missing
    }
}
