import JSON

/// One line of the report: a named check, its verdict and what to do.
public struct CheckResult: Sendable, Equatable {
    public var name: String
    public var ok: Bool
    /// What was found and, when not ok, what to change. Built from names,
    /// hosts, ARNs and numbers only, never from a secret's value.
    public var detail: String
    public var durationMs: Double

    public init(name: String, ok: Bool, detail: String, durationMs: Double = 0) {
        self.name = name
        self.ok = ok
        self.detail = detail
        self.durationMs = durationMs
    }
}

public struct PreflightReport: Sendable, Equatable {
    public var secretId: String
    public var strategy: String
    public var checks: [CheckResult]
    public var advice: [String]
    /// The account's first password plugin, when the check read it (CheckAll counts secrets per plugin).
    public var plugin: String?

    public init(secretId: String, strategy: String, checks: [CheckResult] = [], advice: [String] = []) {
        self.secretId = secretId
        self.strategy = strategy
        self.checks = checks
        self.advice = advice
    }

    public var ok: Bool { checks.allSatisfy(\.ok) }
    public var failed: [String] { checks.filter { !$0.ok }.map(\.name) }

    public var json: JSONObject {
        [
            "SecretId": .string(secretId),
            "Strategy": .string(strategy),
            "ok": .bool(ok),
            "checks": .array(
                checks.map { check in
                    .object([
                        "name": .string(check.name), "ok": .bool(check.ok), "detail": .string(check.detail),
                        "durationMs": .number(Self.milliseconds(check.durationMs)),
                    ])
                }),
            "advice": .array(advice.map { .string($0) }),
        ]
    }

    /// One decimal, as JSON number text.
    static func milliseconds(_ value: Double) -> String {
        let tenths = Int((max(0, value) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
