import Glibc
import MariaDB
import Testing

/// The connection layer checks the host again, whoever built the options (a
/// secret, or RDS's answer for an RDS-managed admin): Connector/C 3.3 would
/// parse `;`, `,` and `://` in it as options, host lists and URLs.
@Suite struct HostCheckTests {
    /// A loopback port with a listener that is never accepted from: a
    /// connect there would succeed and then time out, not fail at once.
    final class Listener {
        let descriptor: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0, listen(fd, 8) == 0 else {
                close(fd)
                throw Failure()
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            descriptor = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        /// Connections completed by the kernel and waiting to be accepted.
        func waiting() -> Int {
            var count = 0
            var flags = fcntl(descriptor, F_GETFL)
            flags |= O_NONBLOCK
            _ = fcntl(descriptor, F_SETFL, flags)
            while case let accepted = accept(descriptor, nil, nil), accepted >= 0 {
                close(accepted)
                count += 1
            }
            return count
        }

        deinit { close(descriptor) }
        struct Failure: Error {}
    }

    @Test(arguments: [
        "127.0.0.1;local-infile=1", "host=127.0.0.1;ssl-verify-server-cert=0", "127.0.0.1,127.0.0.1",
        "mysql://127.0.0.1", "127.0.0.1 ", "app@127.0.0.1", "",
    ])
    func aHostThatIsNoNameIsNeverDialled(_ host: String) throws {
        let listener = try Listener()
        let options = MariaDBOptions(
            host: host, port: listener.port, user: "app", password: "not-a-secret", tls: .plaintext, connectTimeout: 1)
        #expect(throws: MariaDBError.invalidHost(port: listener.port)) {
            try MariaDBConnection.withConnection(options) { _ in }
        }
        #expect(listener.waiting() == 0)
    }

    @Test func aBracketedIPv6LiteralIsDialledWithoutItsBrackets() throws {
        // Nothing listens on ::1 port 1: the error says it was dialled, and not refused as a name.
        let options = MariaDBOptions(
            host: "[::1]", port: 1, user: "app", password: "not-a-secret", tls: .plaintext, connectTimeout: 1)
        let error = try #require(throws: MariaDBError.self) { try MariaDBConnection.withConnection(options) { _ in } }
        #expect(error != .invalidHost(port: 1))
        if case .unreachable = error {} else { Issue.record("expected unreachable, got \(error)") }
    }
}
