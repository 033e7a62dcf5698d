import Platform
import Testing

@Suite struct UTCTimeTests {
    @Test(arguments: [
        (Int64(1_440_938_160_000), "2015-08-30T12:36:00.000Z", "20150830T123600Z"),
        (Int64(951_782_400_123), "2000-02-29T00:00:00.123Z", "20000229T000000Z"),
        (Int64(0), "1970-01-01T00:00:00.000Z", "19700101T000000Z"),
    ])
    func formatsBothWays(_ milliseconds: Int64, _ iso: String, _ basic: String) {
        let time = UTCTime(epochMilliseconds: milliseconds)
        #expect(time.iso8601Milliseconds == iso)
        #expect(time.basicSeconds == basic)
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"), (951_782_400_999, "2000-02-29T00:00:00Z"),
        (1_800_000_000_000, "2027-01-15T08:00:00Z"),
    ])
    func formatsToTheSecond(_ milliseconds: Int64, _ iso: String) {
        #expect(UTCTime(epochMilliseconds: milliseconds).iso8601Seconds == iso)
    }
}

@Suite struct CallContextTests {
    @Test func withoutADeadlineEveryWaitKeepsItsOwnLimit() {
        #expect(CallContext.unbounded.secondsLeft(keeping: .request) == .infinity)
    }

    @Test func marginsComeOffTheDeadline() {
        let context = CallContext(deadline: .after(seconds: 100), traceId: "t")
        #expect(context.secondsLeft(keeping: .database) < context.secondsLeft(keeping: .request))
        let fleet = context.reserving(.answer)
        #expect(fleet.traceId == "t")
        #expect(fleet.deadline == context.deadline?.bringingForward(.answer))
        #expect(fleet.deadline.map { $0.epochMilliseconds } == context.deadline.map { $0.epochMilliseconds - 1500 })
    }
}
