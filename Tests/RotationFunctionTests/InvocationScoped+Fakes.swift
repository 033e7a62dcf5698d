import Platform
import TestSupport

@testable import RotationFunction

// The shared fakes already keep the deadline they were given and count their
// calls; only the conformance to this target's internal seam is added here,
// so the handler binds and counts them as it does the real layers. A fake is
// its own view: it keeps the deadline of the context it was bound to.
extension InMemorySecretStore: InvocationScoped {
    public func bound(to context: CallContext) -> InMemorySecretStore {
        deadline = context.deadline
        return self
    }
}

extension FakeDatabase: InvocationScoped {
    public func bound(to context: CallContext) -> FakeDatabase {
        deadline = context.deadline
        return self
    }
}
