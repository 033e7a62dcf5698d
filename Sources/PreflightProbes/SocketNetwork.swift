import Preflight

#if canImport(Glibc)
import Glibc
#endif

/// DNS through getaddrinfo and one TCP connect with a timeout, as the
/// database client will do them.
public struct SocketNetwork: NetworkProbing {
    public init() {}

    public func resolve(_ host: String) throws -> [String] {
        try withAddresses(host, port: 0) { addresses in
            var seen: [String] = []
            for address in addresses {
                let text = Self.numericHost(address)
                if !seen.contains(text) { seen.append(text) }
            }
            return seen
        }
    }

    public func connect(_ host: String, port: Int, timeoutSeconds: Double) throws {
        try withAddresses(host, port: port) { addresses in
            var lastError = NetworkProbeError.connectFailed(host: host, port: port, reason: "no address")
            for address in addresses {
                do {
                    try Self.connect(address, timeoutSeconds: timeoutSeconds)
                    return
                } catch let failure as Failure {
                    lastError = NetworkProbeError.connectFailed(host: host, port: port, reason: failure.reason)
                }
            }
            throw lastError
        }
    }

    private func withAddresses<T>(
        _ host: String, port: Int, _ body: ([UnsafeMutablePointer<addrinfo>]) throws -> T
    ) throws -> T {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            throw NetworkProbeError.unresolved(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [UnsafeMutablePointer<addrinfo>] = []
        var node: UnsafeMutablePointer<addrinfo>? = list
        while let current = node {
            addresses.append(current)
            node = current.pointee.ai_next
        }
        return try body(addresses)
    }

    private static func numericHost(_ address: UnsafeMutablePointer<addrinfo>) -> String {
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard
            getnameinfo(
                address.pointee.ai_addr, address.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0,
                NI_NUMERICHOST) == 0
        else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private struct Failure: Error { var reason: String }

    /// A non-blocking connect bounded by poll, so a filtered port cannot hang the check.
    private static func connect(_ address: UnsafeMutablePointer<addrinfo>, timeoutSeconds: Double) throws(Failure) {
        let descriptor = socket(
            address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue),
            address.pointee.ai_protocol)
        guard descriptor >= 0 else { throw Failure(reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        if Glibc.connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return }
        guard errno == EINPROGRESS else { throw Failure(reason: String(cString: strerror(errno))) }
        var target = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&target, 1, Int32(max(1, timeoutSeconds * 1000)))
        guard ready > 0 else {
            throw Failure(
                reason: ready == 0
                    ? "no answer within \(Int(timeoutSeconds)) s (a firewall or security group dropping packets?)"
                    : String(cString: strerror(errno)))
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
        guard error == 0 else { throw Failure(reason: String(cString: strerror(error))) }
    }
}

public enum NetworkProbeError: Error, CustomStringConvertible {
    case unresolved(host: String, reason: String)
    case connectFailed(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .unresolved(let host, let reason): "getaddrinfo(\(host)): \(reason)"
        case .connectFailed(let host, let port, let reason): "connect to \(host):\(port): \(reason)"
        }
    }
}
