import Rotation
import Testing

@Suite struct StepPlanTests {
    let event = RotationEvent(secretId: "arn:s", clientRequestToken: "t", step: "setSecret")

    func metadata(_ stages: [String: [String]], enabled: Bool? = true) -> SecretMetadata {
        SecretMetadata(arn: "arn:s", rotationEnabled: enabled, versionIdsToStages: stages)
    }

    @Test func aPendingTokenRunsTheStep() throws {
        #expect(
            try StepPlan.decide(event, metadata: metadata(["t": ["AWSPENDING"], "v": ["AWSCURRENT"]]))
                == .run(.setSecret))
    }

    @Test func absentRotationEnabledIsAcceptedAsTheTemplatesDo() throws {
        #expect(try StepPlan.decide(event, metadata: metadata(["t": ["AWSPENDING"]], enabled: nil)) == .run(.setSecret))
    }

    @Test func rotationDisabledIsRefused() {
        #expect(throws: RotationError.rotationNotEnabled(secretId: "arn:s")) {
            try StepPlan.decide(event, metadata: metadata(["t": ["AWSPENDING"]], enabled: false))
        }
    }

    @Test func anUnknownTokenIsRefused() {
        #expect(throws: RotationError.versionNotFound(secretId: "arn:s", token: "t")) {
            try StepPlan.decide(event, metadata: metadata(["v": ["AWSCURRENT"]]))
        }
    }

    @Test func aCurrentTokenMeansDone() throws {
        #expect(try StepPlan.decide(event, metadata: metadata(["t": ["AWSCURRENT", "AWSPENDING"]])) == .alreadyCurrent)
    }

    @Test func aTokenThatIsNeitherCurrentNorPendingIsRefused() {
        #expect(throws: RotationError.versionNotPending(secretId: "arn:s", token: "t")) {
            try StepPlan.decide(event, metadata: metadata(["t": ["AWSPREVIOUS"]]))
        }
    }

    @Test(arguments: ["deleteSecret", "", "CreateSecret"])
    func anUnknownStepIsRefused(step: String) throws {
        var event = self.event
        event.step = step
        let error = try #require(throws: RotationError.self) {
            try StepPlan.decide(event, metadata: metadata(["t": ["AWSPENDING"]]))
        }
        #expect(error.errorType == "InvalidEvent")
    }
}

@Suite struct RotationEventTests {
    @Test func parsesTheServiceEvent() throws {
        let json = #"{"SecretId":"arn:s","ClientRequestToken":"t","Step":"createSecret","RotationToken":"r"}"#
        let event = try RotationEvent(json: Array(json.utf8))
        #expect(
            event == RotationEvent(secretId: "arn:s", clientRequestToken: "t", step: "createSecret", rotationToken: "r")
        )
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        ("[]", "not a JSON object"),
        (#"{"ClientRequestToken":"t","Step":"createSecret"}"#, "'SecretId'"),
        (#"{"SecretId":"s","Step":"createSecret"}"#, "'ClientRequestToken'"),
        (#"{"SecretId":"s","ClientRequestToken":"t"}"#, "'Step'"),
        (#"{"SecretId":5,"ClientRequestToken":"t","Step":"x"}"#, "'SecretId'"),
        (#"{"SecretId":"s","ClientRequestToken":"t","Step":"x","RotationToken":1}"#, "'RotationToken'"),
    ])
    func refusesMalformedEvents(json: String, named: String) throws {
        let error = try #require(throws: RotationError.self) { try RotationEvent(json: Array(json.utf8)) }
        #expect(error.errorType == "InvalidEvent")
        #expect(error.description.contains(named))
    }
}
