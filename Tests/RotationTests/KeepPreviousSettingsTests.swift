import Rotation
import Testing

@Suite struct KeepPreviousSettingsTests {
    @Test func bothSettingsDefaultToFalse() throws {
        let settings = try RotationSettings(environment: [:])
        #expect(!settings.keepPreviousPassword && !settings.allowPrivilegedAccounts)
    }

    @Test(arguments: ["self", "admin"])
    func keepPreviousPasswordIsReadForOneUserStrategies(_ strategy: String) throws {
        let settings = try RotationSettings(environment: [
            "ROTATION_STRATEGY": strategy, "KEEP_PREVIOUS_PASSWORD": "TRUE", "ALLOW_PRIVILEGED_ACCOUNTS": "true",
        ])
        #expect(settings.keepPreviousPassword && settings.allowPrivilegedAccounts)
    }

    @Test func alternatingRefusesKeepPreviousPassword() {
        #expect(throws: ConfigurationError.self) {
            try RotationSettings(environment: ["ROTATION_STRATEGY": "alternating", "KEEP_PREVIOUS_PASSWORD": "true"])
        }
    }

    @Test(arguments: ["KEEP_PREVIOUS_PASSWORD", "ALLOW_PRIVILEGED_ACCOUNTS"])
    func aValueOtherThanTrueOrFalseIsNamed(_ name: String) {
        #expect(throws: ConfigurationError.invalid(name: name, expected: "true or false")) {
            try RotationSettings(environment: [name: "yes"])
        }
    }
}
