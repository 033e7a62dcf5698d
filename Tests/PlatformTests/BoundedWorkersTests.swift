import Platform
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A gate a test opens once; items block on it without sleeping.
final class Gate: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var opened = pthread_cond_t()
    private var isOpen = false
    private var counter = 0
    private var highest = 0

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&opened, nil)
    }

    func waitUntilOpen() {
        pthread_mutex_lock(&mutex)
        while !isOpen { pthread_cond_wait(&opened, &mutex) }
        pthread_mutex_unlock(&mutex)
    }

    func open() {
        pthread_mutex_lock(&mutex)
        isOpen = true
        pthread_cond_broadcast(&opened)
        pthread_mutex_unlock(&mutex)
    }

    /// Counts items running at once, and the most seen.
    func enter() {
        pthread_mutex_lock(&mutex)
        counter += 1
        highest = max(highest, counter)
        pthread_mutex_unlock(&mutex)
    }

    func leave() {
        pthread_mutex_lock(&mutex)
        counter -= 1
        pthread_mutex_unlock(&mutex)
    }

    var most: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return highest
    }
}

@Suite struct BoundedWorkersTests {
    @Test func runsEveryItemOnItsThreadsOwnStateAndNeverMoreAtOnceThanAsked() {
        let gate = Gate()
        let slots = BoundedWorkers.run(
            count: 50, threads: 3, until: .after(seconds: 60), mayStart: { true },
            makeState: { [Int]() },
            work: { (seen: inout [Int], index: Int) -> Int in
                gate.enter()
                defer { gate.leave() }
                seen.append(index)
                return index * 2
            })
        let results = slots.map { slot -> Int? in
            if case .done(let value) = slot { return value }
            return nil
        }
        #expect(results == (0..<50).map { $0 * 2 })
        #expect(gate.most <= 3)
    }

    @Test func aHungItemIsReportedRunningAndTheOthersStillFinish() {
        let gate = Gate()
        defer { gate.open() }  // lets the hung thread end after the test
        let slots = BoundedWorkers.run(
            count: 6, threads: 2, until: .after(seconds: 3), mayStart: { true }, makeState: { () },
            work: { (_: inout Void, index: Int) -> Int in
                if index == 0 { gate.waitUntilOpen() }
                return index
            })
        guard case .running = slots[0] else {
            Issue.record("the hung item is not reported as running: \(slots[0])")
            return
        }
        for index in 1..<6 {
            guard case .done(let value) = slots[index], value == index else {
                Issue.record("item \(index) did not finish: \(slots[index])")
                return
            }
        }
    }

    @Test func noItemStartsOnceMayStartSaysNo() {
        let started = Gate()
        var allowed = 3
        let slots = BoundedWorkers.run(
            count: 10, threads: 1, until: .after(seconds: 60),
            mayStart: {
                allowed -= 1
                return allowed >= 0
            }, makeState: { () },
            work: { (_: inout Void, index: Int) -> Int in
                started.enter()
                return index
            })
        let done = slots.filter { if case .done = $0 { return true } else { return false } }.count
        let notStarted = slots.filter { if case .notStarted = $0 { return true } else { return false } }.count
        #expect(done == 3)
        #expect(notStarted == 7)
    }

    @Test func anItemRunningAtTheDeadlineIsWaitedForUntilJoinByAndNoneStartsAfter() {
        let deadline = Deadline.after(seconds: 0.2)
        let slots = BoundedWorkers.run(
            count: 3, threads: 1, until: deadline, joinBy: .after(seconds: 60), mayStart: { true },
            makeState: { () },
            work: { (_: inout Void, index: Int) -> Int in
                // Still running when the deadline passes, as a capped check ends just after it.
                while deadline.remainingSeconds() > 0 {}
                return index
            })
        guard case .done(0) = slots[0] else {
            Issue.record("the item running at the deadline was not waited for: \(slots[0])")
            return
        }
        for slot in slots.dropFirst() {
            guard case .notStarted = slot else {
                Issue.record("an item started after the deadline: \(slot)")
                return
            }
        }
    }
}
