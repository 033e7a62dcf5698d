import Glibc
import MariaDB
import Platform
import Testing

/// The two MariaDB servers scripts/test.sh starts (one with TLS, one without)
/// and how to reach them. A missing variable fails the test rather than
/// skipping it: a green run must mean the database layer was exercised.
struct MariaDBTestEnvironment {
    let host: String
    let tlsPort: Int
    let plainPort: Int
    let adminUser: String
    let adminPassword: String
    let caBundle: String
    let wrongCABundle: String

    init() throws {
        host = try Self.variable("TEST_MARIADB_HOST")
        tlsPort = try Self.port("TEST_MARIADB_PORT")
        plainPort = try Self.port("TEST_MARIADB_PLAIN_PORT")
        adminUser = try Self.variable("TEST_MARIADB_ADMIN_USER")
        adminPassword = try Self.variable("TEST_MARIADB_ADMIN_PASSWORD")
        caBundle = try Self.variable("TEST_MARIADB_CA")
        wrongCABundle = try Self.variable("TEST_MARIADB_WRONG_CA")
    }

    /// Admin options for the TLS server (verified TLS) or the plain one.
    func admin(
        plain: Bool = false, tls: SessionProtection? = nil, caBundle: String? = nil, host: String? = nil
    ) -> MariaDBOptions {
        let tls = tls ?? (plain ? .plaintext : .verified)
        return MariaDBOptions(
            host: host ?? self.host, port: plain ? plainPort : tlsPort,
            user: adminUser, password: adminPassword,
            tls: tls, caBundle: tls == .plaintext ? nil : caBundle ?? self.caBundle)
    }

    private static func variable(_ name: String) throws -> String {
        let value = getenv(name).map { String(cString: $0) }
        // Only the name is ever shown, so the admin password cannot leak here.
        let present = value.map { !$0.isEmpty } ?? false
        try #require(
            present, "\(name) is not set: run the tests through scripts/test.sh, which starts MariaDB and sets it")
        return value!
    }

    private static func port(_ name: String) throws -> Int {
        let text = try variable(name)
        return try #require(Int(text), "\(name) is not a port number")
    }
}

/// A TCP socket on 127.0.0.1 that the tests control: bound but not listening
/// (connections are refused), or listening but never accepting (the kernel
/// completes the TCP handshake, then nothing is ever said: a hung server).
final class LoopbackSocket {
    let descriptor: Int32
    let port: Int

    init(listening: Bool) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0, "socket() failed")
        var keep = false
        defer { if !keep { close(fd) } }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0, "bind() failed")
        if listening {
            try #require(listen(fd, 8) == 0, "listen() failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(fd, $0, &length)
            }
        }
        try #require(named == 0, "getsockname() failed")
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        keep = true
    }

    deinit { close(descriptor) }
}
