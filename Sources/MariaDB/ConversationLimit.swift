import CMariaDB
import Platform

#if canImport(Glibc)
import Glibc
#endif

/// A wall-clock end for one connection's whole conversation: TCP connect,
/// greeting, TLS handshake, login, statements. Connector/C's own timeouts
/// are per read, so a server sending a byte a second never trips them.
///
/// How it is enforced, from Connector/C 3.3's socket layer (pvio_socket.c,
/// secure/openssl.c):
/// - the TCP connect and every plaintext read and write wait through the
///   `MARIADB_OPT_IO_WAIT` callback, `conversationWait` below; during the
///   connect it learns the socket and bounds its poll by the deadline;
/// - the TLS handshake and TLS reads do not: the socket is back in blocking
///   mode by then and OpenSSL blocks in `recv` (the callback is reached only
///   on a non-blocking socket). So a watchdog thread shuts the socket down
///   (`shutdown(2)`, through a `dup` of it, so a descriptor number the
///   library has closed and the kernel reused is never touched) at the
///   deadline: every blocked `recv`, `poll` or `SSL_read` on it returns at
///   once and Connector/C reports the connection lost.
///
/// The thread that owns a connection is therefore never held past the
/// deadline by the server, whatever the server sends (name resolution,
/// which Connector/C does itself, is the one wait not covered).
final class ConversationLimit: @unchecked Sendable {
    let deadline: Deadline
    // Guarded by the watchdog's mutex.
    fileprivate var socket: Int32 = -1
    fileprivate var expired = false

    init(deadline: Deadline) {
        self.deadline = deadline
        ConversationWatchdog.shared.begin(self)
    }

    /// True once the deadline has cut the conversation: the watchdog shut the
    /// socket, or a wait of the connect ran into the deadline before the
    /// watchdog woke (which acts first is a race; the limit ended it either way).
    var hasExpired: Bool {
        ConversationWatchdog.shared.locked { expired } || deadline.epochMilliseconds <= WallClock.nowMilliseconds()
    }

    /// Called after mysql_close: the watchdog forgets the conversation.
    func end() { ConversationWatchdog.shared.end(self) }

    /// Installs the callback on `handle`; its waits are bounded while
    /// `whileConnecting` runs on this thread.
    func install(on handle: UnsafeMutablePointer<MYSQL>) -> Int32 {
        rotator_mysql_set_io_wait(handle, conversationWait)
    }

    func whileConnecting<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(connectingKey)
        pthread_setspecific(connectingKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(connectingKey, previous) }
        return try body()
    }
}

/// The limit of the connection this thread is opening, if any.
private let connectingKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// Connector/C's wait, bounded by the connecting conversation's deadline.
/// `timeout` is the library's own per-wait limit in milliseconds (0: none).
private let conversationWait: rotator_io_wait = { handle, isRead, timeout in
    var wait = timeout > 0 ? timeout : -1
    if let raw = pthread_getspecific(connectingKey) {
        let limit = Unmanaged<ConversationLimit>.fromOpaque(raw).takeUnretainedValue()
        ConversationWatchdog.shared.adopt(handle, for: limit)
        let left = limit.deadline.epochMilliseconds - WallClock.nowMilliseconds()
        guard left > 0 else {
            errno = ETIMEDOUT
            return 0
        }
        wait = wait < 0 ? Int32(clamping: left) : min(wait, Int32(clamping: left))
    }
    var descriptor = pollfd(fd: handle, events: Int16(isRead != 0 ? POLLIN : POLLOUT), revents: 0)
    var result: Int32
    repeat { result = poll(&descriptor, 1, wait) } while result == -1 && errno == EINTR
    if result == 0 { errno = ETIMEDOUT }
    return result
}

/// One thread for the whole process (started with the first limit), which
/// sleeps until the earliest deadline and shuts that conversation's socket.
final class ConversationWatchdog: @unchecked Sendable {
    static let shared = ConversationWatchdog()

    // Allocated, not stored inline: a pthread object must not move.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var limits: [ObjectIdentifier: ConversationLimit] = [:]
    private var running = false

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
    }

    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    fileprivate func begin(_ limit: ConversationLimit) {
        locked {
            limits[ObjectIdentifier(limit)] = limit
            if !running {
                running = BoundedWorkers.spawnDetached { [self] in watch() }
            }
            pthread_cond_broadcast(changed)
        }
    }

    fileprivate func end(_ limit: ConversationLimit) {
        locked {
            limits[ObjectIdentifier(limit)] = nil
            if limit.socket >= 0 { close(limit.socket) }
            limit.socket = -1
        }
    }

    /// Keeps a duplicate of the socket the conversation dials now (a second
    /// address tried gets a new socket), shut at once if the deadline passed.
    fileprivate func adopt(_ handle: Int32, for limit: ConversationLimit) {
        locked {
            if limit.socket >= 0 {
                if Self.sameSocket(limit.socket, handle) { return }
                close(limit.socket)
            }
            limit.socket = fcntl(handle, F_DUPFD_CLOEXEC, 0)
            if limit.expired, limit.socket >= 0 { shutdown(limit.socket, Int32(SHUT_RDWR)) }
        }
    }

    private static func sameSocket(_ one: Int32, _ other: Int32) -> Bool {
        var first = stat()
        var second = stat()
        guard fstat(one, &first) == 0, fstat(other, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    private func watch() {
        pthread_mutex_lock(mutex)
        while true {
            let now = WallClock.nowMilliseconds()
            var next: Int64?
            for limit in limits.values where !limit.expired {
                if limit.deadline.epochMilliseconds <= now {
                    limit.expired = true
                    if limit.socket >= 0 { shutdown(limit.socket, Int32(SHUT_RDWR)) }
                } else {
                    next = min(next ?? .max, limit.deadline.epochMilliseconds)
                }
            }
            if let next {
                // pthread_cond_timedwait counts in CLOCK_REALTIME, as Deadline does.
                var until = timespec(tv_sec: Int(next / 1000), tv_nsec: Int(next % 1000) * 1_000_000)
                pthread_cond_timedwait(changed, mutex, &until)
            } else {
                pthread_cond_wait(changed, mutex)
            }
        }
    }
}
