import AWSCore
import CurlHTTP
import JSON
import Platform
import TestSupport
import Testing

@testable import SecretsManager

@Suite struct SecretsManagerClientRetryTests {
    enum Failure: Sendable, CustomTestStringConvertible {
        case service(Int, String)
        case transport(HTTPError.Kind)

        var reply: Result<HTTPResponse, HTTPError> {
            switch self {
            case .service(let status, let type): .success(.json(status, ["__type": .string(type)]))
            case .transport(let kind): .failure(.of(kind))
            }
        }

        var testDescription: String {
            switch self {
            case .service(let status, let type): "\(status) \(type)"
            case .transport(let kind): "transport \(kind)"
            }
        }
    }

    static let retried: [Failure] = [
        .service(400, "ThrottlingException"), .service(400, "Throttling"), .service(400, "TooManyRequestsException"),
        .service(400, "RequestLimitExceeded"), .service(400, "LimitExceededException"),
        .service(500, "InternalServiceError"),
        .service(502, "HTTP502"), .service(503, "ServiceUnavailable"), .service(504, "HTTP504"),
        .service(400, "RequestTimeoutException"),
        .transport(.couldNotConnect), .transport(.connectionLost), .transport(.timedOut), .transport(.tls),
        .transport(.other),
    ]

    static let notRetried: [Failure] = [
        .service(400, "ResourceNotFoundException"), .service(400, "InvalidRequestException"),
        .service(400, "InvalidParameterException"), .service(429, "SomethingNew"), .service(501, "HTTP501"),
        .service(505, "HTTP505"),
        .service(400, "AccessDeniedException"), .service(403, "UnrecognizedClientException"),
        .service(400, "ValidationException"), .transport(.invalidRequest),
    ]

    @Test(arguments: retried)
    func retriesTransientFailuresUntilOneSucceeds(_ failure: Failure) throws {
        let transport = FakeTransport([
            failure.reply, failure.reply, .success(.json(200, ["RandomPassword": .string("x")])),
        ])
        let recorder = ScheduleRecorder(randoms: [0.5])
        let client = makeClient(transport, recorder: recorder)
        _ = try client.getRandomPassword(RandomPasswordRequest())
        #expect(transport.requests.count == 3)
        #expect(recorder.sleeps == [0.5, 1.0])
        #expect(client.callCounts == ["GetRandomPassword": 3])
    }

    @Test(arguments: retried)
    func givesUpAfterMaxAttemptsWithTheLastError(_ failure: Failure) {
        let transport = FakeTransport(Array(repeating: failure.reply, count: 5))
        let recorder = ScheduleRecorder()
        let error = catching { _ = try makeClient(transport, recorder: recorder).describeSecret("s") }
        #expect(transport.requests.count == 3)
        #expect(recorder.sleeps == [1, 2])
        #expect(error.map(RetryVerdict.retries) == true)
        #expect(error?.operation == "DescribeSecret")
    }

    @Test(arguments: notRetried)
    func doesNotRetryWhatAnotherAttemptCannotFix(_ failure: Failure) {
        let transport = FakeTransport([failure.reply, .success(.json(200, [:]))])
        let recorder = ScheduleRecorder()
        let error = catching { _ = try makeClient(transport, recorder: recorder).describeSecret("s") }
        #expect(transport.requests.count == 1)
        #expect(recorder.sleeps.isEmpty)
        #expect(error.map(RetryVerdict.retries) == false)
    }

    @Test func eachAttemptIsSignedAnew() {
        let transport = FakeTransport([Failure.transport(.connectionLost).reply, .success(.json(200, [:]))])
        try? makeClient(transport).updateSecretVersionStage(
            "s", versionStage: "AWSCURRENT", moveToVersionId: "v", removeFromVersionId: nil)
        #expect(transport.requests.count == 2)
        for request in transport.requests {
            #expect(request.headers.filter { $0.name == "Authorization" }.count == 1)
            #expect(request.headers.filter { $0.name == "X-Amz-Date" }.count == 1)
        }
    }

    /// `random(0…1) × min(20 s, 2^(n-1) s)` before retry n.
    @Test func backsOffExponentiallyWithFullJitterUpToTwentySeconds() {
        let failures = Array(repeating: Failure.service(503, "ServiceUnavailable").reply, count: 9)
        let always = ScheduleRecorder(randoms: [1])
        _ = catching {
            _ = try makeClient(FakeTransport(failures), maxAttempts: 8, recorder: always).describeSecret("s")
        }
        #expect(always.sleeps == [1, 2, 4, 8, 16, 20, 20])

        let jittered = ScheduleRecorder(randoms: [0.25, 0, 0.5, 0.9])
        _ = catching {
            _ = try makeClient(FakeTransport(failures), maxAttempts: 5, recorder: jittered).describeSecret("s")
        }
        #expect(jittered.sleeps == [0.25, 0, 2, 7.2])

        #expect(Backoff.live.delay(afterAttempt: 1) <= 1)
        #expect(Backoff.live.delay(afterAttempt: 100) <= 20)
    }

    @Test(arguments: [1, 0, -3])
    func oneAttemptOrFewerMeansNoRetry(_ maxAttempts: Int) {
        let transport = FakeTransport([Failure.service(503, "ServiceUnavailable").reply, .success(.json(200, [:]))])
        _ = catching { _ = try makeClient(transport, maxAttempts: maxAttempts).describeSecret("s") }
        #expect(transport.requests.count == 1)
    }

    // MARK: - Deadline

    @Test func withoutADeadlineAttemptsUseTheConfiguredTimeouts() throws {
        let transport = FakeTransport([.success(.json(200, [:]))])
        let client = makeClient(transport)
        _ = try client.call("ListSecrets", [:])
        #expect(transport.requests[0].connectTimeout == 3)
        #expect(transport.requests[0].totalTimeout == 10)
    }

    @Test func theDeadlineBoundsEachAttempt() throws {
        let transport = FakeTransport([.success(.json(200, [:]))])
        let client = makeClient(transport)
        let deadline = Deadline.after(seconds: 2.5)
        // What is left (less the 0.5 s margin) just before and just after the
        // call brackets the timeouts whatever a loaded machine's stalls: an
        // ordering, not a clock reading.
        let before = deadline.remainingSeconds(margin: 0.5)
        _ = try client.call("ListSecrets", [:], context: CallContext(deadline: deadline))
        let after = deadline.remainingSeconds(margin: 0.5)
        let request = try #require(transport.requests.first)
        let total = try #require(request.totalTimeout)
        let connect = try #require(request.connectTimeout)
        #expect(after <= total && total <= before, "total timeout \(total) not within [\(after), \(before)]")
        #expect(after <= connect && connect <= before, "connect timeout \(connect) not within [\(after), \(before)]")
        #expect(total < 10 && connect < 3, "the defaults (10 s, 3 s), not the deadline, bounded the attempt")
    }

    @Test func aSpentDeadlineThrowsWithoutCalling() {
        let transport = FakeTransport([.success(.json(200, [:]))])
        let client = makeClient(transport)
        // Less than the safety margin.
        let error = catching {
            _ = try client.getSecretValue("s", context: CallContext(deadline: .after(seconds: 0.3)))
        }
        guard case .aws(.deadlineExceeded(let operation, let host))? = error else {
            Issue.record("expected deadlineExceeded, got \(String(describing: error))")
            return
        }
        #expect(operation == "GetSecretValue")
        #expect(host == "secretsmanager.us-east-1.amazonaws.com")
        #expect(transport.requests.isEmpty)
        #expect(client.callCounts.isEmpty)
    }

    @Test func neverSleepsPastTheDeadline() {
        let transport = FakeTransport(Array(repeating: Failure.service(503, "ServiceUnavailable").reply, count: 3))
        let recorder = ScheduleRecorder(randoms: [1])
        let client = makeClient(transport, recorder: recorder)
        // 1.5 s left less the 0.5 s margin: a 1 s backoff and a 0.25 s attempt do not fit.
        let error = catching {
            _ = try client.describeSecret("s", context: CallContext(deadline: .after(seconds: 1.5)))
        }
        #expect(error?.errorType == "ServiceUnavailable", "the last real error, not a deadline one")
        #expect(transport.requests.count == 1)
        #expect(recorder.sleeps.isEmpty)

        // A smaller jitter fits, so the client retries.
        let fitting = ScheduleRecorder(randoms: [0.1])
        let second = FakeTransport([Failure.service(503, "ServiceUnavailable").reply, .success(.json(200, [:]))])
        let client2 = makeClient(second, recorder: fitting)
        // 3.5 s left: 0.1 s + 0.25 s fits with 10× to spare for a stalled machine.
        _ = try? client2.call("ListSecrets", [:], context: CallContext(deadline: .after(seconds: 4)))
        #expect(second.requests.count == 2)
        #expect(fitting.sleeps == [0.1])
    }

    @Test func theRealSleeperSleeps() {
        let start = WallClock.monotonicSeconds()
        Backoff.live.sleep(0.05)
        let slept = WallClock.monotonicSeconds() - start
        #expect(slept >= 0.05 && slept < 1, "slept \(slept) s")
    }
}
