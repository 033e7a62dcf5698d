import JSON

/// The parameters of `GetRandomPassword`; a `nil` leaves the service's default.
public struct RandomPasswordRequest: Sendable, Equatable {
    public var passwordLength: Int?
    public var excludeCharacters: String?
    public var excludeNumbers: Bool?
    public var excludePunctuation: Bool?
    public var excludeUppercase: Bool?
    public var excludeLowercase: Bool?
    public var includeSpace: Bool?
    public var requireEachIncludedType: Bool?

    public init(
        passwordLength: Int? = nil, excludeCharacters: String? = nil, excludeNumbers: Bool? = nil,
        excludePunctuation: Bool? = nil, excludeUppercase: Bool? = nil, excludeLowercase: Bool? = nil,
        includeSpace: Bool? = nil, requireEachIncludedType: Bool? = nil
    ) {
        self.passwordLength = passwordLength
        self.excludeCharacters = excludeCharacters
        self.excludeNumbers = excludeNumbers
        self.excludePunctuation = excludePunctuation
        self.excludeUppercase = excludeUppercase
        self.excludeLowercase = excludeLowercase
        self.includeSpace = includeSpace
        self.requireEachIncludedType = requireEachIncludedType
    }

    var body: JSONObject {
        var body = JSONObject()
        body["PasswordLength"] = passwordLength.map { .number(String($0)) }
        body["ExcludeCharacters"] = excludeCharacters.map { .string($0) }
        body["ExcludeNumbers"] = excludeNumbers.map { .bool($0) }
        body["ExcludePunctuation"] = excludePunctuation.map { .bool($0) }
        body["ExcludeUppercase"] = excludeUppercase.map { .bool($0) }
        body["ExcludeLowercase"] = excludeLowercase.map { .bool($0) }
        body["IncludeSpace"] = includeSpace.map { .bool($0) }
        body["RequireEachIncludedType"] = requireEachIncludedType.map { .bool($0) }
        return body
    }
}
