import Testing

@testable import Rotation

/// The one list of privileges an admin-rotated account may hold on `*.*`
/// or `mysql` (AccountPrivileges.harmless), over every privilege name of
/// MariaDB 10.4–11.x and MySQL 8.0–9.x, in SHOW GRANTS lines as each prints them.
@Suite struct AllowListTests {
    static let harmless: Set<String> = [
        "USAGE", "SELECT", "SHOW DATABASES", "SHOW VIEW", "SHOW CREATE ROUTINE", "SHOW_ROUTINE",
        "CREATE TEMPORARY TABLES", "APPLICATION_PASSWORD_ADMIN",
    ]

    /// MariaDB's names, as 10.4–11.x print them on `*.*`.
    static let mariaDB = [
        "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "RELOAD", "SHUTDOWN", "PROCESS", "FILE",
        "REFERENCES", "INDEX", "ALTER", "SHOW DATABASES", "SUPER", "CREATE TEMPORARY TABLES", "LOCK TABLES",
        "EXECUTE", "REPLICATION SLAVE", "REPLICATION CLIENT", "BINLOG MONITOR", "CREATE VIEW", "SHOW VIEW",
        "CREATE ROUTINE", "ALTER ROUTINE", "CREATE USER", "EVENT", "TRIGGER", "CREATE TABLESPACE", "DELETE HISTORY",
        "SET USER", "FEDERATED ADMIN", "CONNECTION ADMIN", "READ_ONLY ADMIN", "REPLICATION SLAVE ADMIN",
        "REPLICATION MASTER ADMIN", "BINLOG ADMIN", "BINLOG REPLAY", "SLAVE MONITOR", "SHOW CREATE ROUTINE",
        "ALL PRIVILEGES", "USAGE",
    ]

    /// MySQL's static names (8.0–9.x) and its dynamic ones (8.4's and 9.x's included).
    static let mySQLStatic = [
        "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "RELOAD", "SHUTDOWN", "PROCESS", "FILE",
        "REFERENCES", "INDEX", "ALTER", "SHOW DATABASES", "SUPER", "CREATE TEMPORARY TABLES", "LOCK TABLES",
        "EXECUTE", "REPLICATION SLAVE", "REPLICATION CLIENT", "CREATE VIEW", "SHOW VIEW", "CREATE ROUTINE",
        "ALTER ROUTINE", "CREATE USER", "EVENT", "TRIGGER", "CREATE TABLESPACE", "CREATE ROLE", "DROP ROLE", "USAGE",
    ]
    static let mySQLDynamic = [
        "ALLOW_NONEXISTENT_DEFINER", "APPLICATION_PASSWORD_ADMIN", "AUDIT_ABORT_EXEMPT", "AUDIT_ADMIN",
        "AUTHENTICATION_POLICY_ADMIN", "BACKUP_ADMIN", "BINLOG_ADMIN", "BINLOG_ENCRYPTION_ADMIN", "CLONE_ADMIN",
        "CONNECTION_ADMIN", "ENCRYPTION_KEY_ADMIN", "FIREWALL_ADMIN", "FIREWALL_EXEMPT", "FIREWALL_USER",
        "FLUSH_OPTIMIZER_COSTS", "FLUSH_PRIVILEGES", "FLUSH_STATUS", "FLUSH_TABLES", "FLUSH_USER_RESOURCES",
        "GROUP_REPLICATION_ADMIN", "GROUP_REPLICATION_STREAM", "INNODB_REDO_LOG_ARCHIVE", "INNODB_REDO_LOG_ENABLE",
        "MASKING_DICTIONARIES_ADMIN", "NDB_STORED_USER", "OPTIMIZE_LOCAL_TABLE", "OPTION_TRACKER_OBSERVER",
        "OPTION_TRACKER_UPDATER", "PASSWORDLESS_USER_ADMIN", "PERSIST_RO_VARIABLES_ADMIN", "REPLICATION_APPLIER",
        "REPLICATION_SLAVE_ADMIN", "RESOURCE_GROUP_ADMIN", "RESOURCE_GROUP_USER", "ROLE_ADMIN",
        "SENSITIVE_VARIABLES_OBSERVER", "SERVICE_CONNECTION_ADMIN", "SESSION_VARIABLES_ADMIN", "SET_ANY_DEFINER",
        "SET_USER_ID", "SHOW_ROUTINE", "SKIP_QUERY_REWRITE", "SYSTEM_USER", "SYSTEM_VARIABLES_ADMIN",
        "TABLE_ENCRYPTION_ADMIN", "TELEMETRY_LOG_ADMIN", "TP_CONNECTION_ADMIN", "TRANSACTION_GTID_TAG",
        "VERSION_TOKEN_ADMIN", "XA_RECOVER_ADMIN",
    ]

    @Test(arguments: mariaDB)
    func mariaDBGlobalPrivilege(name: String) {
        let held = AccountPrivileges(showGrants: ["GRANT \(name) ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*AB'"])
        #expect(held.refused == (Self.harmless.contains(name) ? [] : ["\(name) ON *.*"]))
    }

    @Test(arguments: mySQLStatic)
    func mySQLStaticPrivilege(name: String) {
        let held = AccountPrivileges(showGrants: ["GRANT \(name) ON *.* TO `app`@`%`"])
        #expect(held.refused == (Self.harmless.contains(name) ? [] : ["\(name) ON *.*"]))
    }

    /// MySQL 8 prints dynamic privileges on a line of their own, comma-separated without spaces.
    @Test(arguments: mySQLDynamic)
    func mySQLDynamicPrivilege(name: String) {
        let held = AccountPrivileges(showGrants: [
            "GRANT USAGE ON *.* TO `app`@`%`", "GRANT \(name) ON *.* TO `app`@`%`",
        ])
        #expect(held.refused == (Self.harmless.contains(name) ? [] : ["\(name) ON *.*"]))
    }

    @Test func everyHarmlessNameIsOneOfTheServersAndNoOtherIsAllowed() {
        let known = Set(Self.mariaDB + Self.mySQLStatic + Self.mySQLDynamic)
        #expect(AccountPrivileges.harmless == Self.harmless)
        #expect(AccountPrivileges.harmless.isSubset(of: known))
    }

    @Test func mySQLListsSeveralDynamicPrivilegesOnOneLine() {
        let held = AccountPrivileges(showGrants: [
            "GRANT SELECT, SHOW VIEW ON *.* TO `app`@`%`",
            "GRANT APPLICATION_PASSWORD_ADMIN,SET_ANY_DEFINER,SHOW_ROUTINE ON *.* TO `app`@`%`",
        ])
        #expect(held.refused == ["SET_ANY_DEFINER ON *.*"])
    }

    @Test(arguments: [
        ("`mysql`.*", true), ("`%`.*", true), ("`m_sql`.*", true), ("`mysq%`.*", true), ("`MySQL`.*", true),
        ("`mysql`.`user`", true), ("`mysq\\l`.*", true), ("`\\m\\y\\s\\q\\l`.*", true), ("`mysql`.`global_priv`", true),
        ("PROCEDURE `mysql`.`p`", true),
        ("`my\\_sql`.*", false), ("`appdb`.*", false), ("`app%`.*", false), ("`app\\_db`.`t`", false),
        ("`mysql2`.*", false),
    ])
    func writesReachTheGrantTablesOnlyThroughAPatternThatMatchesMySQL(object: String, refused: Bool) {
        let held = AccountPrivileges(showGrants: ["GRANT INSERT, UPDATE (`a`) ON \(object) TO `app`@`%`"])
        #expect(held.refused.isEmpty == !refused, "\(held.refused)")
        if refused { #expect(held.refused.first?.hasPrefix("INSERT ON ") == true) }
    }

    @Test func theApplicationsOwnSchemasAreNotRestricted() {
        let held = AccountPrivileges(showGrants: [
            "GRANT USAGE ON *.* TO `app`@`%`",
            "GRANT ALL PRIVILEGES ON `appdb`.* TO `app`@`%` WITH GRANT OPTION",
            "GRANT SELECT, INSERT, EXECUTE ON `app\\_%`.* TO `app`@`%`",
            "GRANT SELECT ON `mysql`.* TO `app`@`%`",
        ])
        #expect(held.refused.isEmpty, "\(held.refused)")
    }

    @Test func aHarmlessPrivilegeWithGrantOptionOnTheGrantTablesIsRefused() {
        let held = AccountPrivileges(showGrants: ["GRANT SELECT ON `%`.* TO `app`@`%` WITH GRANT OPTION"])
        #expect(held.refused == ["GRANT OPTION ON %.*"])
    }

    @Test(arguments: [
        ("GRANT PROXY ON ''@'%' TO 'app'@'%' WITH GRANT OPTION", "PROXY ON ''@'%' (it may log in as any account)"),
        (
            "GRANT PROXY ON `root`@`localhost` TO `app`@`%`",
            "PROXY ON `root`@`localhost` (it may log in as that account)"
        ),
        ("GRANT PROXY ON 'plain'@'%' TO 'app'@'%'", "PROXY ON 'plain'@'%' (it may log in as that account)"),
        (
            "GRANT PROXY ON ``@`` TO `root`@`localhost` WITH GRANT OPTION",
            "PROXY ON ``@`` (it may log in as any account)"
        ),
    ])
    func anyProxyGrantIsRefused(line: String, reason: String) {
        #expect(AccountPrivileges(showGrants: [line]).refused == [reason])
    }

    @Test func aLineOfUnknownFormRefuses() {
        #expect(!AccountPrivileges(showGrants: ["GRANT SELECT ON `x`.* TO `app`@`%` NEW CLAUSE"]).refused.isEmpty)
    }
}
