/// What the fakes throw where the real layer would fail.
public enum FakeError: Error {
    case notFound, versionExists, unreachable, wrongCurrentPassword
}
