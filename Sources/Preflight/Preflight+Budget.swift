import Rotation

extension PreflightRun {
    /// The longest step, setSecret, estimated from the round trips just
    /// measured, against the time the invocation had.
    func checkTimeBudget() {
        // Without a readable secret there is nothing to estimate from.
        guard current != nil else { return }
        let calls: Int, logins: Int, statements: Int
        let grantLines = (currentSession?.grants.lines.count ?? 1)
        switch strategy {
        case .single: (calls, logins, statements) = (3, 1, 1)
        case .admin: (calls, logins, statements) = (4, 2, 3)
        case .alternating: (calls, logins, statements) = (4, 3, 8 + 2 * grantLines)
        }
        let estimate = Self.estimateMs(
            calls: calls, secretsManagerMs: secretsManagerMs, logins: logins, loginMs: loginMs,
            statements: statements, statementMs: statementMs)
        let budgetMs = context.secondsLeft * 1000
        // Three times the estimate for a slower moment, plus the second kept
        // back so a failed step can still be reported.
        let needed = estimate * 3 + 1000
        let measured = loginMs == nil ? " (database round trips not measured)" : ""
        let detail =
            "the invocation had \(Int(budgetMs.rounded())) ms; setSecret under \(strategy.rawValue) needs about \(Int(estimate.rounded())) ms here (\(calls) Secrets Manager calls, \(logins) logins, \(statements) statements)\(measured)"
        if budgetMs >= needed {
            add("time-budget", true, detail)
        } else {
            add(
                "time-budget", false, detail + "; less than three times that plus 1 s",
                advice: "Raise the function's timeout (template: 30 s)")
        }
    }

    static func estimateMs(
        calls: Int, secretsManagerMs: Double, logins: Int, loginMs: Double?, statements: Int, statementMs: Double?
    ) -> Double {
        Double(calls) * secretsManagerMs + Double(logins) * (loginMs ?? 0) + Double(statements) * (statementMs ?? 0)
    }
}
