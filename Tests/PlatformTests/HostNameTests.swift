import Platform
import Testing

/// A host is a DNS name, an IPv4 literal or an IPv6 literal, and nothing
/// that MariaDB Connector/C (or a resolver) could read as more than a host.
@Suite struct HostNameTests {
    @Test(arguments: [
        ("db.internal", HostName.dnsName), ("localhost", .dnsName), ("db.internal.", .dnsName),
        ("mydb.abc123xyz.us-east-1.rds.amazonaws.com", .dnsName), ("DB-1.Example.COM", .dnsName),
        ("a", .dnsName), ("10x.internal", .dnsName), ("127.1", .dnsName), ("10.0.0.300", .dnsName),
        ("127.0.0.1", .ipv4), ("255.255.255.255", .ipv4),
        ("0.0.0.0", .ipv4), ("::1", .ipv6), ("[::1]", .ipv6), ("fe80::1", .ipv6), ("2001:db8::8a2e:370:7334", .ipv6),
        ("2001:0db8:0000:0000:0000:ff00:0042:8329", .ipv6), ("::", .ipv6), ("::ffff:192.0.2.1", .ipv6),
        ("[2001:db8::1]", .ipv6), ("1:2:3:4:5:6:7::", .ipv6),
    ])
    func acceptsNamesAndAddresses(_ text: String, _ kind: HostName) {
        #expect(HostName(classifying: text) == kind)
    }

    /// Connection strings, host lists, URLs, user@host, spaces, control
    /// characters, non-ASCII look-alikes and malformed literals.
    @Test(arguments: [
        "", "evil;ssl-verify-server-cert=0", "evil;ssl-ca=;local-infile=1", "host=evil;port=3306",
        "db1,db2", "db1:3306,db2:3306", "mysql://db.internal", "tcp://127.0.0.1:3306", "db internal", " db",
        "db ", "app@db.internal", "db\tinternal", "db\ninternal", "db\u{0}x", "db/x", "db\\x", "db'x", "db\"x",
        "db%x", "db_internal", "-db.internal", "db-.internal", "db..internal", ".db.internal", ".", "db.internal..",
        "dЬ.internal", "db.internal:3306", "127.0.0.1:3306", "[127.0.0.1]", "[db.internal]", "[::1", "::1]", "[]",
        "[::1]:3306", "fe80::1%eth0",
        "1::2::3", ":::", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "g::1", "::ffff:1.2.3",
        String(repeating: "a", count: 64) + ".internal",
        Array(repeating: String(repeating: "a", count: 60), count: 5).joined(separator: "."),
    ])
    func refusesEverythingElse(_ text: String) {
        #expect(HostName(classifying: text) == nil)
        #expect(!HostName.isValid(text))
    }

    @Test(arguments: [("[::1]", "::1"), ("::1", "::1"), ("db.internal", "db.internal"), ("10.0.0.1", "10.0.0.1")])
    func dialsIPv6LiteralsWithoutBrackets(_ text: String, _ dialled: String) {
        #expect(HostName.dialable(text) == dialled)
    }
}
