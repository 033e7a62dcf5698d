/// The function is no master key: under admin and alternating, whoever may
/// write a secret that names this function as its rotator chooses the
/// account whose password the admin resets (and writes the new password into
/// that secret). So the admin never sets the password of, nor clones, the
/// admin itself or an account that can manage others, unless the operator
/// opts in with `ALLOW_PRIVILEGED_ACCOUNTS=true`: only an account whose
/// global and `mysql` privileges, its roles' and proxies' included, are on
/// `AccountPrivileges.harmless`. Nor does it work through an admin session
/// that runs someone's `init_connect`. Everything is read before the first
/// change; a refusal changes nothing.
extension Rotator {
    /// Whether the server skips `init_connect` for an account holding
    /// `privileges`: CONNECTION ADMIN on `*.*` (MariaDB 10.5.2+, MySQL 8), or
    /// SUPER where it still implies that (MySQL; MariaDB before 11.0, which
    /// split it). Granted directly: a role's counts only once active.
    public static func sparesFromInitConnect(_ privileges: AccountPrivileges, on version: ServerVersion) -> Bool {
        let superSpares = version.flavor == .mysql || !version.isAtLeast(11, 0)
        return privileges.holdsGlobal("CONNECTION ADMIN") || privileges.holdsGlobal("CONNECTION_ADMIN")
            || (superSpares && privileges.holdsGlobal("SUPER"))
    }

    /// Refuses `account` when it is `admin` or `privileges` hold anything off the harmless list.
    func refusePrivileged(
        _ account: Account, privileges: AccountPrivileges?, admin: Account, secretId: String
    ) throws {
        guard !settings.allowPrivilegedAccounts else { return }
        var reasons: [String] = []
        if account == admin { reasons.append("it is the admin account itself") }
        if let privileges { reasons += privileges.refused }
        guard reasons.isEmpty else {
            throw RotationError.privilegedAccount(secretId: secretId, account: account.description, reasons: reasons)
        }
    }

    /// Alternating: neither the current user (the copy's source) nor an
    /// existing other user (whose grants and password the copy overwrites)
    /// may be the admin or an account that manages others. Read in the
    /// admin's session, which may read the grant tables.
    func refusePrivilegedCopy(
        source: Account, wanted: AccountGrants, target: Account, existing: AccountGrants?,
        reader: AccountReader, version: ServerVersion, secretId: String
    ) throws {
        let admin = try reader.adminAccount()
        guard !settings.allowPrivilegedAccounts else { return }
        for (account, grants) in [(source, wanted)] + (existing.map { [(target, $0)] } ?? []) {
            let privileges = try reader.privileges(
                AccountPrivileges(grants: grants.grants), version: version, asOwner: false)
            try refusePrivileged(account, privileges: privileges, admin: admin, secretId: secretId)
        }
    }
}
