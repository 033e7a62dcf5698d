import ErrorTypes
import JSON
import LambdaRuntime
import Platform
import Rotation
import TestSupport
import Testing

@testable import RotationFunction

/// The handler between the Runtime API and the rotation: event parsing, the
/// deadline handed to both layers, the response and the one log line per
/// invocation, against in-memory fakes.
@Suite struct RotationHandlerTests {
    let oldPassword = "old-Pa55word"
    let newPassword = "new-Pa55word"
    let token = "token-1"
    static let app = Account(user: "app", host: "%")

    final class Lines: @unchecked Sendable {
        var all: [JSONObject] = []
    }

    struct Fixture {
        let store: InMemorySecretStore
        let database: FakeDatabase
        let handler: RotationHandler
        let lines: Lines
    }

    func fixture() -> Fixture {
        let store = InMemorySecretStore(
            current: #"{"engine":"mariadb","host":"db.internal","username":"app","password":"\#(oldPassword)"}"#)
        store.startRotation(token: token)
        let database = FakeDatabase()
        database.accounts[Self.app] = oldPassword
        let lines = Lines()
        let logger = LambdaLogger(json: true, minimumLevel: .debug) { line in
            lines.all.append((try? JSONValue(parsing: Array(line.utf8)))?.objectValue ?? [:])
        }
        let password = newPassword
        let handler = RotationHandler(
            store: store, database: database, settings: RotationSettings(), newPassword: { password }, logger: logger)
        return Fixture(store: store, database: database, handler: handler, lines: lines)
    }

    func event(_ step: String, secretId: String? = nil) -> [UInt8] {
        let secretId = secretId ?? "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
        return Array(#"{"SecretId":"\#(secretId)","ClientRequestToken":"\#(token)","Step":"\#(step)"}"#.utf8)
    }

    func context(_ deadline: Deadline = .after(seconds: 30)) -> LambdaContext {
        LambdaContext(requestId: "request-1", deadline: deadline)
    }

    @Test func aRotationThroughFourInvocations() throws {
        let f = fixture()
        for step in RotationEvent.Step.allCases {
            let body = try f.handler.handle(event: event(step.rawValue), context: context())
            let response = try #require(try JSONValue(parsing: body).objectValue)
            #expect(response["step"]?.stringValue == step.rawValue)
            #expect(response["secretId"]?.stringValue == f.store.arn)
            #expect(response["outcome"]?.stringValue != nil)
        }
        #expect(f.database.accounts[Self.app] == newPassword)
        #expect(f.store.stages(of: token).contains(Stage.current))
        #expect(f.store.stages(of: "v0") == [Stage.previous])
        #expect(f.lines.all.map { $0["message"]?.stringValue } == Array(repeating: "step done", count: 4))
        #expect(f.lines.all.map { $0["step"]?.stringValue } == RotationEvent.Step.allCases.map(\.rawValue))
    }

    @Test func eachLogLineCountsOnlyItsOwnInvocationsWork() throws {
        let f = fixture()
        var storeCalls: [Int] = []
        var connections: [Int] = []
        for step in RotationEvent.Step.allCases {
            let (callsBefore, connectionsBefore) = (f.store.workCount, f.database.workCount)
            _ = try f.handler.handle(event: event(step.rawValue), context: context())
            storeCalls.append(f.store.workCount - callsBefore)
            connections.append(f.database.workCount - connectionsBefore)
        }
        #expect(f.lines.all.map { $0["secretsManagerCalls"]?.stringValue } == storeCalls.map { String($0) })
        #expect(f.lines.all.map { $0["databaseConnections"]?.stringValue } == connections.map { String($0) })
        // setSecret and testSecret each log in once; the others never connect.
        #expect(connections == [0, 1, 1, 0])
        for line in f.lines.all {
            #expect(line["token"]?.stringValue == token)
            #expect(line["outcome"] != nil)
            #expect(Int(line["durationMs"]?.stringValue ?? "") != nil)
        }
    }

    @Test func bothLayersWorkUnderTheInvocationsDeadline() throws {
        let f = fixture()
        let first = Deadline.after(seconds: 30)
        let second = Deadline.after(seconds: 60)
        _ = try f.handler.handle(event: event("createSecret"), context: context(first))
        let createCalls = f.store.deadlinesSeen.count
        _ = try f.handler.handle(event: event("setSecret"), context: context(second))
        #expect(createCalls > 0)
        #expect(f.store.deadlinesSeen.prefix(createCalls).allSatisfy { $0 == first })
        #expect(f.store.deadlinesSeen.dropFirst(createCalls).allSatisfy { $0 == second })
        #expect(f.database.deadlinesSeen == [second])
    }

    @Test(arguments: [#"{"SecretId":"#, "[]", #"{"SecretId":"s","ClientRequestToken":"t"}"#])
    func aMalformedEventIsRejectedBeforeAnyCall(_ text: String) throws {
        let f = fixture()
        #expect(throws: RotationError.self) {
            try f.handler.handle(event: Array(text.utf8), context: context())
        }
        #expect(f.store.workCount == 0)
        #expect(f.database.workCount == 0)
        let line = try #require(f.lines.all.only)
        #expect(line["message"]?.stringValue == "rejected event")
        #expect(line["errorType"]?.stringValue == ErrorType.invalidEvent.rawValue)
        #expect(line["level"]?.stringValue == "ERROR")
    }

    @Test func aFailedStepIsLoggedAndTheNextEventIsServed() throws {
        let f = fixture()
        f.store.rotationEnabled = false
        #expect(throws: RotationError.rotationNotEnabled(secretId: f.store.arn)) {
            try f.handler.handle(event: event("createSecret"), context: context())
        }
        let failed = try #require(f.lines.all.only)
        #expect(failed["message"]?.stringValue == "step failed")
        #expect(failed["errorType"]?.stringValue == ErrorType.rotationNotEnabled.rawValue)
        #expect(failed["step"]?.stringValue == "createSecret")
        #expect(f.store.versions[token]?.value == nil, "a failed step wrote the pending version")
        f.store.rotationEnabled = true
        _ = try f.handler.handle(event: event("createSecret"), context: context())
        #expect(f.lines.all.last?["message"]?.stringValue == "step done")
    }

    @Test func noPasswordReachesTheLogOrTheResponse() throws {
        let f = fixture()
        var bodies: [[UInt8]] = []
        for step in ["createSecret", "setSecret"] {
            bodies.append(try f.handler.handle(event: event(step), context: context()))
        }
        // Someone changes the password behind the rotation's back: testSecret fails.
        f.database.accounts[Self.app] = "changed-elsewhere"
        #expect(throws: RotationError.self) { try f.handler.handle(event: event("testSecret"), context: context()) }
        #expect(f.lines.all.last?["errorType"]?.stringValue == ErrorType.databaseLoginFailed.rawValue)
        let text =
            f.lines.all.map(\.serialized).joined(separator: "\n")
            + bodies.map { String(decoding: $0, as: UTF8.self) }.joined()
        #expect(f.lines.all.count == 3)
        for password in [oldPassword, newPassword, "changed-elsewhere"] {
            #expect(!text.contains(password))
        }
    }
}

extension Array {
    /// The one element, or nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
