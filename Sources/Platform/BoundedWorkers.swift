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
/// blocked task cannot be made to do. No item starts after the deadline;
/// one still running then is waited for until `joinBy` (its waits are
/// themselves bounded by the deadline, so its thread ends about then), and
/// reported as still running if it has not ended even so: the answer never
/// waits past `joinBy`.
public enum BoundedWorkers {
    public enum Slot<Result> {
        case notStarted
        case running
        case done(Result)
    }

    /// - Parameters:
    ///   - count: items, numbered 0..<count, started in that order.
    ///   - threads: at most this many items run at once.
    ///   - deadline: no item starts after this.
    ///   - joinBy: the wait for items still running at `deadline` ends here
    ///     (at `deadline` when nil).
    ///   - mayStart: asked before each item; false leaves it and every later one not started.
    ///   - makeState: called once on each thread, before its first item.
    ///   - work: one item, on the thread's own state.
    public static func run<State, Result>(
        count: Int, threads: Int, until deadline: Deadline, joinBy: Deadline? = nil,
        mayStart: @escaping () -> Bool,
        makeState: @escaping () -> State, work: @escaping (inout State, Int) -> Result
    ) -> [Slot<Result>] {
        guard count > 0 else { return [] }
        let board = Board<Result>(count: count, deadline: deadline)
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
        return board.wait(spawned: spawned, until: deadline, joinBy: max(deadline, joinBy ?? deadline))
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
        let deadline: Deadline
        var next = 0
        var threadsEnded = 0
        /// Set when the waiter gave up: no further item starts.
        var closed = false

        init(count: Int, deadline: Deadline) {
            slots = Array(repeating: .notStarted, count: count)
            self.deadline = deadline
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
            // Asked outside the lock: it may read a clock. A thread that
            // finishes an item after the deadline does not wait for the
            // waiter to notice it before stopping.
            let allowed = mayStart() && deadline.remainingSeconds() > 0
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

        func wait(spawned: Int, until deadline: Deadline, joinBy: Deadline) -> [Slot<Result>] {
            locked {
                waitForThreads(spawned, until: deadline)
                closed = true
                waitForThreads(spawned, until: joinBy)
                return slots
            }
        }

        /// Called with the mutex held.
        private func waitForThreads(_ spawned: Int, until deadline: Deadline) {
            var limit = timespec(
                tv_sec: Int(deadline.epochMilliseconds / 1000),
                tv_nsec: Int(deadline.epochMilliseconds % 1000) * 1_000_000)
            // pthread_cond_timedwait counts in CLOCK_REALTIME, as Deadline does.
            while threadsEnded < spawned {
                if pthread_cond_timedwait(changed, mutex, &limit) == ETIMEDOUT { break }
            }
        }
    }
}
