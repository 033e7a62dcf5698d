import Rotation

/// What a rotation decides from the account itself before any change: that
/// it holds a password (and which methods are written back around it),
/// that KEEP_PREVIOUS_PASSWORD can work here, and that the admin strategies
/// are not asked to rotate the admin or an account that can manage others.
/// Read from SHOW CREATE USER and SHOW GRANTS of the account's own session;
/// nothing is run but those.
///
/// Only after AWSCURRENT has logged in as the account: that login is the
/// caller's proof that the account is theirs. Before it nothing about the
/// account is looked up, not even through the admin (which could tell why
/// the login failed, e.g. an account that holds no password): whoever may
/// invoke Check would otherwise learn which accounts exist and how they log
/// in by naming them in a secret with a wrong password. The report then says
/// only that the login was refused (login-current).
extension PreflightRun {
    func checkAccount() {
        guard let user = currentSession else { return }
        guard let line = user.createUser, let methods = try? AuthenticationMethods(showCreateUser: line) else {
            add("authentication", false, "SHOW CREATE USER \(user.account) could not be read or understood")
            return
        }
        guard methods.holdsPassword else {
            add(
                "authentication", false,
                "\(user.account) authenticates only with \(methods.description), which hold no password; the rotation refuses it (AccountHoldsNoPassword)",
                advice:
                    "Rotate only accounts that log in with a password (ed25519, mysql_native_password, caching_sha2_password…); an IAM, socket or PAM account needs no rotation"
            )
            return
        }
        let second = methods.passwordCount > 1 ? "; it now has \(methods.passwordCount) passwords" : ""
        add(
            "authentication", true,
            "\(user.account) authenticates with \(methods.description); a rotation writes them back with only the password changed\(second)"
        )
        checkPasswordPlugin(user, methods)
        if context.settings.keepPreviousPassword { checkKeepPrevious(user, methods) }
        checkCurrentPasswordProtection(user)
        if usesAdmin && !context.settings.allowPrivilegedAccounts { checkPrivileged(user) }
    }

    private func checkKeepPrevious(_ user: SessionFacts, _ methods: AuthenticationMethods) {
        guard let server = user.server else { return }
        // As the rotation asks it: with AUTH_PLUGIN's move (a plugin the server lacks is the password-plugin row's).
        let move = (try? context.settings.authPlugin.move(of: methods, on: server)) ?? .none
        do {
            switch strategy {
            case .single:
                _ = try PasswordChange.ofOwn(
                    account: user.account, methods: methods, grants: user.grantLines, on: server, to: "…", current: "…",
                    keepPrevious: true, move: move)
            case .admin:
                _ = try PasswordChange.byAdmin(
                    of: user.account, methods: methods, on: server, to: "…", retaining: "…", move: move)
            case .alternating:
                throw PasswordChangeProblem.unsupported(.severalAuthenticationMethods)
            }
            add(
                "keep-previous", true,
                "\(server) keeps AWSPREVIOUS's password logging in beside AWSCURRENT's for \(user.account) under \(strategy.rawValue)"
            )
        } catch {
            let reason =
                strategy == .alternating ? "alternating keeps two users instead" : "\(error)"
            add(
                "keep-previous", false, "KEEP_PREVIOUS_PASSWORD cannot work for \(user.account): \(reason)",
                advice: server.flavor == .mariadb
                    ? "On MariaDB use the admin strategy (its admin holds CREATE USER), or turn KEEP_PREVIOUS_PASSWORD off"
                    : "Grant APPLICATION_PASSWORD_ADMIN ON *.* to the user (self), use the admin strategy, or turn KEEP_PREVIOUS_PASSWORD off"
            )
        }
    }

    /// The rotation refuses a statement that carries the current password
    /// outside verified TLS (CurrentPasswordNeedsTLS); said here only when it
    /// would, so a healthy secret's report keeps its checks.
    private func checkCurrentPasswordProtection(_ user: SessionFacts) {
        guard let server = user.server else { return }
        let statement: (what: String, session: SessionFacts?)?
        if strategy == .single && server.ownPasswordChangeCarriesCurrent {
            statement = ("changing its own password on \(server) names the current one (REPLACE)", user)
        } else if context.settings.keepPreviousPassword && server.flavor == .mariadb && strategy != .alternating {
            statement = (
                "KEEP_PREVIOUS_PASSWORD on \(server) writes the kept password into the statement",
                strategy == .admin ? adminSession : user
            )
        } else {
            statement = nil
        }
        guard let statement, let session = statement.session, !session.verifiedTLS else { return }
        add(
            "current-password-tls", false,
            "\(statement.what), and the session is not verified TLS: setSecret refuses (CurrentPasswordNeedsTLS)",
            advice:
                "Use verified TLS: the secret's ssl true (or REQUIRE_TLS=true) with the server's CA in DB_CA_BUNDLE or ca/db-ca-bundle.pem\(strategy == .single && server.flavor == .mysql ? ", or the admin strategy" : "")"
        )
    }

    private func checkPrivileged(_ user: SessionFacts) {
        // The rotation's own reading, roles included (Accounts/PrivilegeGuard.swift).
        let privileges = user.privileges ?? AccountPrivileges(showGrants: user.grantLines)
        var reasons = privileges.refused
        if let admin = adminSession, admin.account == user.account {
            reasons.insert("it is the admin account itself", at: 0)
        }
        let roleNote =
            privileges.roles.isEmpty ? "" : ", its roles' (\(privileges.roles.joined(separator: ", "))) included"
        if reasons.isEmpty {
            add(
                "privileged-account", true,
                "\(user.account) holds only harmless privileges on *.* and mysql\(roleNote), and no PROXY")
        } else {
            add(
                "privileged-account", false,
                "\(user.account): \(reasons.joined(separator: "; ")); \(strategy.rawValue) refuses it (PrivilegedAccount)",
                advice:
                    "Rotate such an account with the self strategy, or set ALLOW_PRIVILEGED_ACCOUNTS=true if whoever may write its secret may hold its privileges (see docs/strategies-security.md)"
            )
        }
    }
}
