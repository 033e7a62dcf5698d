#if canImport(Glibc)
import Glibc
#endif

/// Runs items on a fixed number of threads, each with state of its own (a
/// database handle, an HTTP client: nothing shared between threads), and
/// gives up waiting at a deadline.
///
/// Why threads and not tasks: the work is blocking C calls (Connector/C,
/// libcurl), which would hold a cooperative executor's few threads; and a
/// caller must be able to stop waiting for an item that hangs, which a
/// blocked task cannot be made to do. An item still running at the deadline
/// is reported as such and its thread is left to finish on its own (its
/// waits are themselves bounded by the same deadline); the answer does not
/// wait for it.
public enum BoundedWorkers {
    public enum Slot<Result> {
        case notStarted
        case running
        case done(Result)
    }

    /// - Parameters:
    ///   - count: items, numbered 0..<count, started in that order.
    ///   - threads: at most this many items run at once.
    ///   - deadline: the wait ends here, whatever is still running.
    ///   - mayStart: asked before each item; false leaves it and every later one not started.
    ///   - makeState: called once on each thread, before its first item.
    ///   - work: one item, on the thread's own state.
    public static func run<State, Result>(
        count: Int, threads: Int, until deadline: Deadline, mayStart: @escaping () -> Bool,
        makeState: @escaping () -> State, work: @escaping (inout State, Int) -> Result
    ) -> [Slot<Result>] {
        guard count > 0 else { return [] }
        let board = Board<Result>(count: count)
        let spawned = max(1, min(threads, count))
        for _ in 0..<spawned {
            let body = {
                var state: State?
                while let index = board.claim(mayStart: mayStart) {
                    if state == nil { state = makeState() }
                    let result = work(&state!, index)
                    board.finish(index, result)
                }
                board.threadEnded()
            }
            if !spawnDetached(body) {
                // No thread to be had: the items this one would have run stay
                // not started, and the others still run.
                board.threadEnded()
            }
        }
        return board.wait(spawned: spawned, until: deadline)
    }

    /// Starts `body` on a new detached POSIX thread; false if none could be made.
    public static func spawnDetached(_ body: @escaping () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box(body))
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let status = pthread_create(
            &thread, &attributes,
            { context in
                let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
                box.body()
                return nil
            }, box.toOpaque())
        if status != 0 {
            box.release()
            return false
        }
        return true
    }

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// The shared state, every access under one mutex.
    private final class Board<Result> {
        // Allocated, not stored inline: a pthread object must not move.
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        var slots: [Slot<Result>]
        var next = 0
        var threadsEnded = 0
        /// Set when the waiter gave up: no further item starts.
        var closed = false

        init(count: Int) {
            slots = Array(repeating: .notStarted, count: count)
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(changed, nil)
        }

        deinit {
            pthread_cond_destroy(changed)
            pthread_mutex_destroy(mutex)
            changed.deallocate()
            mutex.deallocate()
        }

        func locked<T>(_ body: () -> T) -> T {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return body()
        }

        func claim(mayStart: () -> Bool) -> Int? {
            // Asked outside the lock: it may read a clock.
            let allowed = mayStart()
            return locked {
                guard !closed, allowed, next < slots.count else {
                    closed = true
                    return nil
                }
                defer { next += 1 }
                slots[next] = .running
                return next
            }
        }

        func finish(_ index: Int, _ result: Result) {
            locked {
                slots[index] = .done(result)
                pthread_cond_broadcast(changed)
            }
        }

        func threadEnded() {
            locked {
                threadsEnded += 1
                pthread_cond_broadcast(changed)
            }
        }

        func wait(spawned: Int, until deadline: Deadline) -> [Slot<Result>] {
            var limit = timespec(
                tv_sec: Int(deadline.epochMilliseconds / 1000),
                tv_nsec: Int(deadline.epochMilliseconds % 1000) * 1_000_000)
            return locked {
                // pthread_cond_timedwait counts in CLOCK_REALTIME, as Deadline does.
                while threadsEnded < spawned {
                    if pthread_cond_timedwait(changed, mutex, &limit) == ETIMEDOUT { break }
                }
                closed = true
                return slots
            }
        }
    }
}
