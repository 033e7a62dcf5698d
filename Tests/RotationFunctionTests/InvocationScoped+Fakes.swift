import RotationTestSupport

@testable import RotationFunction

// The shared fakes already keep the deadline they were given and count their
// calls; only the conformance to this target's internal seam is added here,
// so the handler bounds and counts them as it does the real layers.
extension InMemorySecretStore: InvocationBound {}
extension FakeDatabase: InvocationBound {}
