/// Makes passwords from a source of uniformly random bytes.
public struct PasswordGenerator: Sendable {
    public var policy: PasswordPolicy
    /// Fills the buffer with cryptographically secure random bytes.
    public var randomBytes: @Sendable (inout [UInt8]) -> Void

    public init(policy: PasswordPolicy, randomBytes: @escaping @Sendable (inout [UInt8]) -> Void) {
        self.policy = policy
        self.randomBytes = randomBytes
    }

    /// Every character is drawn uniformly from the alphabet by rejection
    /// sampling (a byte past the largest multiple of the alphabet's size is
    /// thrown away, so no character is likelier than another). When every
    /// type is required, a whole password missing one is drawn again, which
    /// keeps the result uniform over the passwords that qualify.
    public func generate() -> String {
        let classes = policy.includedClasses
        let alphabet = classes.flatMap { $0 }
        let classOf = Dictionary(
            uniqueKeysWithValues: classes.enumerated().flatMap { index, members in
                members.map { ($0, index) }
            })
        while true {
            let characters = (0..<policy.length).map { _ in alphabet[uniformIndex(below: alphabet.count)] }
            if policy.requireEachIncludedType {
                let present = Set(characters.compactMap { classOf[$0] })
                if present.count < classes.count { continue }
            }
            return String(characters)
        }
    }

    /// A uniform index in `0..<count`, for `count` up to 256.
    func uniformIndex(below count: Int) -> Int {
        precondition(count > 0 && count <= 256)
        let limit = 256 - (256 % count)
        var byte: [UInt8] = [0]
        while true {
            randomBytes(&byte)
            if Int(byte[0]) < limit { return Int(byte[0]) % count }
        }
    }
}
