import AWSCore
import SecretsManager
import TestSupport

/// The shared scripted transport, under the name this target's tests use.
typealias FakeTransport = ScriptedTransport

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
