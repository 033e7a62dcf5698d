import ErrorTypes

#if canImport(Glibc)
import Glibc
#endif

/// The runtime loop: next → handle → response or error, for ever.
public enum Lambda {
    /// Handles one event; throws to fail the invocation. A thrown
    /// `LambdaReportableError` keeps its type and message; anything else is
    /// reported without details, which could carry secret values.
    public typealias Handler = (_ event: [UInt8], _ context: LambdaContext) throws -> [UInt8]

    /// Serves invocations until the Runtime API is gone. A failed invocation
    /// never ends the process; only losing the Runtime API does, since
    /// Lambda then discards the sandbox anyway.
    public static func run(client: LambdaRuntimeClient, logger: LambdaLogger, handler: Handler) -> Never {
        var consecutiveFailures = 0
        while true {
            do {
                try serveNext(client: client, logger: logger, handler: handler)
                consecutiveFailures = 0
            } catch {
                consecutiveFailures += 1
                logger.log(.error, "cannot get the next invocation", [("error", "\(error)")])
                if consecutiveFailures >= 3 { exit(1) }
            }
        }
    }

    /// Reported by the loop itself, not by a handler's error.
    public static let invalidInvocationErrorType = ErrorType.invalidInvocation.rawValue
    public static let responseNotAcceptedErrorType = ErrorType.responseNotAccepted.rawValue

    /// Waits for the next invocation and serves it. One that arrives without
    /// what serving needs (a deadline) but with its request id is failed at
    /// once, so Lambda need not wait for its timeout. Throws only when no
    /// invocation could be read at all.
    public static func serveNext(
        client: LambdaRuntimeClient, logger: LambdaLogger, handler: Handler
    )
        throws(LambdaRuntimeError)
    {
        let invocation: LambdaInvocation
        do {
            invocation = try client.nextInvocation()
        } catch .unservable(let requestId, let reason) {
            logger.log(.error, "cannot serve the invocation", [("requestId", requestId), ("error", reason)])
            do {
                try client.reportError(
                    requestId: requestId, errorType: Lambda.invalidInvocationErrorType,
                    errorMessage: "the invocation cannot be served: the Runtime API's answer \(reason)")
            } catch {
                logger.log(.error, "cannot report the invocation's error", [("error", error.description)])
            }
            return
        }
        serve(invocation, client: client, logger: logger, handler: handler)
    }

    /// Handles one invocation and reports its result.
    public static func serve(
        _ invocation: LambdaInvocation, client: LambdaRuntimeClient, logger: LambdaLogger, handler: Handler
    ) {
        let context = invocation.context
        // X-Ray and the AWS SDKs read the trace from the environment.
        if let traceId = context.traceId {
            setenv("_X_AMZN_TRACE_ID", traceId, 1)
        } else {
            unsetenv("_X_AMZN_TRACE_ID")
        }
        logger.requestId = context.requestId
        defer { logger.requestId = nil }
        do {
            let body = try handler(invocation.event, context)
            do {
                try client.reportResponse(requestId: context.requestId, body: body)
            } catch {
                // A refused response (413: too large) leaves the invocation
                // open until its timeout; an error ends it now. After a
                // response that did arrive, the API just refuses this post.
                logger.log(.error, "cannot report the invocation's result", [("error", error.description)])
                let type = Lambda.responseNotAcceptedErrorType
                let message = "the Runtime API did not accept the function's response: \(error)"
                do {
                    try client.reportError(requestId: context.requestId, errorType: type, errorMessage: message)
                } catch {
                    logger.log(.error, "cannot report the invocation's error", [("error", error.description)])
                }
            }
        } catch {
            let (type, message) = describe(error)
            do {
                try client.reportError(requestId: context.requestId, errorType: type, errorMessage: message)
            } catch {
                logger.log(.error, "cannot report the invocation's error", [("error", error.description)])
            }
        }
    }

    /// The `errorType` and `errorMessage` to report, and to log, for any
    /// error. One not written as a `LambdaReportableError` is named by its
    /// type only: its description was not written to keep secrets out.
    public static func describe(_ error: any Error) -> (type: String, message: String) {
        if let reportable = error as? LambdaReportableError {
            return (reportable.errorType, reportable.errorMessage)
        }
        return (ErrorType.unhandled.rawValue, "the function failed with an error of type \(type(of: error))")
    }
}
