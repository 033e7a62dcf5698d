/// The password knobs of AWS's templates, with their defaults, in the
/// meaning Secrets Manager's GetRandomPassword gives them.
public struct PasswordPolicy: Sendable, Equatable {
    public var length = 32
    public var excludeCharacters = "/@\"'\\"
    public var excludeNumbers = false
    public var excludePunctuation = false
    public var excludeUppercase = false
    public var excludeLowercase = false
    public var requireEachIncludedType = true

    public init() {}

    public static let lowercase = Array("abcdefghijklmnopqrstuvwxyz")
    public static let uppercase = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    public static let digits = Array("0123456789")
    /// GetRandomPassword's punctuation set.
    public static let punctuation = Array("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

    /// The character classes in use, each with its excluded characters removed.
    public var includedClasses: [[Character]] {
        let excluded = Set(excludeCharacters)
        var classes: [[Character]] = []
        if !excludeLowercase { classes.append(Self.lowercase) }
        if !excludeUppercase { classes.append(Self.uppercase) }
        if !excludeNumbers { classes.append(Self.digits) }
        if !excludePunctuation { classes.append(Self.punctuation) }
        return classes.map { $0.filter { !excluded.contains($0) } }.filter { !$0.isEmpty }
    }

    /// Checks the policy can produce a password; run at start-up, so a bad
    /// setting fails the function's init rather than a rotation.
    public func validate() throws(ConfigurationError) {
        guard (1...4096).contains(length) else {
            throw .invalid(name: "PASSWORD_LENGTH", expected: "an integer from 1 to 4096")
        }
        let classes = includedClasses
        guard !classes.isEmpty else {
            throw .invalid(name: "EXCLUDE_CHARACTERS", expected: "to leave at least one character to choose from")
        }
        if requireEachIncludedType && classes.count > length {
            throw .invalid(
                name: "PASSWORD_LENGTH", expected: "at least one character per included type (\(classes.count))")
        }
    }
}
