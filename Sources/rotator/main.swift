import LambdaRuntime
import RotationFunction

#if canImport(Glibc)
import Glibc
#endif

// Start-up does only what every invocation needs: read the environment and
// build the clients. No connection is opened before the first event.
let environment = ProcessEnvironment.read()
let logger = LambdaLogger(environment: environment)

guard let runtimeAPI = environment["AWS_LAMBDA_RUNTIME_API"], !runtimeAPI.isEmpty else {
    logger.log(.fatal, "AWS_LAMBDA_RUNTIME_API is not set: this program runs as an AWS Lambda custom runtime")
    exit(1)
}
let runtime = LambdaRuntimeClient(apiAddress: runtimeAPI)

let handler: RotationHandler
do {
    handler = try RotationHandler(configuration: Configuration(environment: environment), logger: logger)
} catch {
    let (type, message) = Lambda.describe(error)
    logger.log(.fatal, "cannot start", [("errorType", type), ("error", message)])
    try? runtime.reportInitError(errorType: type, errorMessage: message)
    exit(1)
}

Lambda.run(client: runtime, logger: logger) { event, context in
    try handler.handle(event: event, context: context)
}
