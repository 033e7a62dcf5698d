import Rotation
import Testing

@Suite struct PasswordGeneratorTests {
    static let systemRandom: @Sendable (inout [UInt8]) -> Void = { buffer in
        var generator = SystemRandomNumberGenerator()
        for index in buffer.indices { buffer[index] = generator.next() }
    }

    func generator(_ configure: (inout PasswordPolicy) -> Void = { _ in }) -> PasswordGenerator {
        var policy = PasswordPolicy()
        configure(&policy)
        return PasswordGenerator(policy: policy, randomBytes: Self.systemRandom)
    }

    @Test func defaultsMatchTheTemplates() {
        let policy = PasswordPolicy()
        #expect(policy.length == 32)
        #expect(policy.excludeCharacters == "/@\"'\\")
        #expect(policy.requireEachIncludedType)
    }

    @Test(arguments: [1, 4, 16, 32, 128, 4096])
    func hasTheRequestedLength(length: Int) {
        let password = generator {
            $0.length = length; $0.requireEachIncludedType = length >= 4
        }.generate()
        #expect(password.count == length)
    }

    @Test func neverUsesExcludedCharacters() {
        let excluded = Set("/@\"'\\abcXYZ019")
        let gen = generator { $0.excludeCharacters = String(excluded) }
        for _ in 0..<200 {
            #expect(gen.generate().allSatisfy { !excluded.contains($0) })
        }
    }

    @Test(arguments: ["numbers", "punctuation", "uppercase", "lowercase"])
    func excludesAWholeClass(excludedClass: String) {
        let gen = generator {
            switch excludedClass {
            case "numbers": $0.excludeNumbers = true
            case "punctuation": $0.excludePunctuation = true
            case "uppercase": $0.excludeUppercase = true
            default: $0.excludeLowercase = true
            }
        }
        let members: Set<Character> =
            switch excludedClass {
            case "numbers": Set(PasswordPolicy.digits)
            case "punctuation": Set(PasswordPolicy.punctuation)
            case "uppercase": Set(PasswordPolicy.uppercase)
            default: Set(PasswordPolicy.lowercase)
            }
        for _ in 0..<100 {
            #expect(gen.generate().allSatisfy { !members.contains($0) })
        }
    }

    @Test func containsEachIncludedTypeEvenWhenShort() {
        let gen = generator { $0.length = 4 }
        for _ in 0..<500 {
            let password = gen.generate()
            #expect(password.contains(where: { PasswordPolicy.lowercase.contains($0) }))
            #expect(password.contains(where: { PasswordPolicy.uppercase.contains($0) }))
            #expect(password.contains(where: { PasswordPolicy.digits.contains($0) }))
            #expect(password.contains(where: { PasswordPolicy.punctuation.contains($0) }))
        }
    }

    /// A byte stream that is exactly uniform (every value in turn) must give
    /// every character exactly equally often: a modulo bias would not.
    @Test func rejectionSamplingIsExactlyUniformOnAUniformStream() {
        final class Cycle: @unchecked Sendable { var next: UInt8 = 0 }
        let cycle = Cycle()
        var policy = PasswordPolicy()
        policy.requireEachIncludedType = false
        policy.length = 1
        let gen = PasswordGenerator(policy: policy) { buffer in
            for index in buffer.indices {
                buffer[index] = cycle.next
                cycle.next &+= 1
            }
        }
        let alphabetSize = policy.includedClasses.joined().count
        #expect(256 % alphabetSize != 0, "the alphabet must not divide 256, or bias could not show")
        var counts: [Character: Int] = [:]
        let accepted = 256 - 256 % alphabetSize
        for _ in 0..<(accepted * 4) { counts[gen.generate().first!, default: 0] += 1 }
        #expect(counts.count == alphabetSize)
        #expect(Set(counts.values).count == 1)
    }

    /// Chi-square over the system's CSPRNG: with 89 symbols (88 degrees of
    /// freedom) the statistic exceeds 165 with probability below 1e-6.
    @Test func characterFrequenciesPassAChiSquareTest() {
        let gen = generator {
            $0.requireEachIncludedType = false; $0.length = 1000
        }
        let alphabet = gen.policy.includedClasses.joined()
        #expect(alphabet.count == 89)
        var counts: [Character: Int] = [:]
        for _ in 0..<200 { for character in gen.generate() { counts[character, default: 0] += 1 } }
        let expected = 200_000.0 / Double(alphabet.count)
        let chiSquare = alphabet.reduce(0.0) { sum, character in
            let observed = Double(counts[character, default: 0])
            return sum + (observed - expected) * (observed - expected) / expected
        }
        #expect(chiSquare < 165, "chi-square \(chiSquare) suggests a biased generator")
    }

    @Test(arguments: [
        (["PASSWORD_LENGTH": "0"], "PASSWORD_LENGTH"),
        (["PASSWORD_LENGTH": "abc"], "PASSWORD_LENGTH"),
        (["PASSWORD_LENGTH": "3"], "PASSWORD_LENGTH"),
        (["EXCLUDE_NUMBERS": "maybe"], "EXCLUDE_NUMBERS"),
        (
            [
                "EXCLUDE_LOWERCASE": "true", "EXCLUDE_UPPERCASE": "true", "EXCLUDE_NUMBERS": "true",
                "EXCLUDE_PUNCTUATION": "true",
            ],
            "EXCLUDE_CHARACTERS"
        ),
        (["ROTATION_STRATEGY": "sideways"], "ROTATION_STRATEGY"),
        (["USERNAME_KEY": "k", "PASSWORD_KEY": "k"], "PASSWORD_KEY"),
    ])
    func badSettingsAreNamed(environment: [String: String], name: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try RotationSettings(environment: environment) }
        #expect(error.description.contains(name))
    }

    @Test func readsSettings() throws {
        let settings = try RotationSettings(environment: [
            "ROTATION_STRATEGY": "admin", "PASSWORD_LENGTH": "20", "EXCLUDE_PUNCTUATION": "TRUE",
            "USERNAME_KEY": "db_username", "PASSWORD_KEY": "db_password", "REQUIRE_TLS": "true",
        ])
        #expect(settings.strategy == .admin)
        #expect(settings.passwordPolicy.length == 20)
        #expect(settings.passwordPolicy.excludePunctuation)
        #expect(settings.keys == SecretKeys(username: "db_username", password: "db_password"))
        #expect(settings.requireTLS)
    }
}
