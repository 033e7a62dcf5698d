import AWSCore
import RotationTestSupport
import SecretsManager

/// The shared scripted transport, under the name this target's tests use.
typealias FakeTransport = ScriptedTransport

/// Records the schedule instead of sleeping.
final class ScheduleRecorder {
    var sleeps: [Double] = []
    var randoms: [Double]

    init(randoms: [Double] = [1]) {
        self.randoms = randoms
    }

    var backoff: Backoff {
        Backoff(
            random: { self.randoms.count > 1 ? self.randoms.removeFirst() : self.randoms[0] },
            sleep: { self.sleeps.append($0) })
    }
}

let testCredentials = AWSCredentials(accessKeyId: "AKIDTEST", secretAccessKey: "test-secret-key")

func makeClient(
    _ transport: FakeTransport, maxAttempts: Int = 3, recorder: ScheduleRecorder = ScheduleRecorder()
)
    -> SecretsManagerClient
{
    SecretsManagerClient(
        region: "us-east-1", endpoint: "https://secretsmanager.us-east-1.amazonaws.com", credentials: testCredentials,
        transport: transport, maxAttempts: maxAttempts, backoff: recorder.backoff)
}
