/// What the admin and alternating strategies' setSecret plans share: a
/// table that names the next action from the last one's outcome, and the
/// loop that carries it out until an action ends the plan. (The self plan's
/// actions run inside a session that spans several of them, so
/// `SelfStrategy` has a loop of its own.)
protocol StrategyPlan {
    associatedtype Action: PlanAction
    associatedtype Event
    mutating func start() -> Action
    mutating func next(_ event: Event) -> Action
}

/// A plan's action: one to carry out, or the plan's end.
protocol PlanAction {
    /// The plan ends (an enum case `end(PlanEnd)` satisfies this).
    static func end(_ end: PlanEnd) -> Self
    /// How this action ends the plan, or nil when it is one to carry out.
    var ending: PlanEnd? { get }
}

extension PlanAction {
    static func done(_ outcome: StepOutcome) -> Self { end(.done(outcome)) }
    static func fail(_ error: RotationError) -> Self { end(.fail(error)) }
    /// Throw what the last action threw.
    static var rethrow: Self { end(.rethrow) }
}

enum PlanEnd: Sendable, Equatable {
    case done(StepOutcome)
    case fail(RotationError)
    /// Throw what the last action threw (kept in `failure` by `perform`).
    case rethrow
}

extension StrategyPlan {
    /// Carries the plan out: `perform` does one action and reports what it
    /// found; an error it keeps in `failure` is thrown if the plan ends with
    /// `rethrow`.
    mutating func carryOut(_ perform: (Action, _ failure: inout (any Error)?) throws -> Event) throws -> StepOutcome {
        var failure: (any Error)?
        var action = start()
        while true {
            switch action.ending {
            case .done(let outcome)?: return outcome
            case .fail(let error)?: throw error
            case .rethrow?: throw failure!
            case nil: action = next(try perform(action, &failure))
            }
        }
    }
}
