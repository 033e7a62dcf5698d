import JSON

/// The event Secrets Manager sends for each step.
public struct RotationEvent: Sendable, Equatable {
    public enum Step: String, Sendable, CaseIterable {
        case createSecret, setSecret, testSecret, finishSecret
    }

    public var secretId: String
    public var clientRequestToken: String
    /// The raw step name; validated after DescribeSecret, in AWS's order.
    public var step: String
    /// Sent for rotation through an assumed role or across accounts; passed back on PutSecretValue.
    public var rotationToken: String?

    public init(secretId: String, clientRequestToken: String, step: String, rotationToken: String? = nil) {
        self.secretId = secretId
        self.clientRequestToken = clientRequestToken
        self.step = step
        self.rotationToken = rotationToken
    }

    public init(json bytes: [UInt8]) throws(RotationError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw .invalidEvent("the event is \(error)")
        }
        guard let object = value.objectValue else { throw .invalidEvent("the event is not a JSON object") }
        func requiredString(_ key: String) throws(RotationError) -> String {
            guard let field = object[key] else { throw .invalidEvent("missing key '\(key)'") }
            guard let text = field.stringValue, !text.isEmpty else {
                throw .invalidEvent("key '\(key)' must be a non-empty string")
            }
            return text
        }
        self.secretId = try requiredString("SecretId")
        self.clientRequestToken = try requiredString("ClientRequestToken")
        self.step = try requiredString("Step")
        switch object["RotationToken"] {
        case nil, .null?: self.rotationToken = nil
        case .string(let token)?: self.rotationToken = token
        case .some: throw .invalidEvent("key 'RotationToken' must be a string")
        }
    }
}
