import Platform

/// What the Runtime API says about one invocation, besides its event.
public struct LambdaContext: Sendable {
    public var requestId: String
    public var deadline: Deadline
    public var invokedFunctionArn: String?
    public var traceId: String?

    public init(requestId: String, deadline: Deadline, invokedFunctionArn: String? = nil, traceId: String? = nil) {
        self.requestId = requestId
        self.deadline = deadline
        self.invokedFunctionArn = invokedFunctionArn
        self.traceId = traceId
    }

    /// What the handler hands to each call it makes for this invocation.
    public var callContext: CallContext {
        CallContext(deadline: deadline, traceId: traceId)
    }
}

public struct LambdaInvocation: Sendable {
    public var event: [UInt8]
    public var context: LambdaContext
}

/// An error a handler reports to Lambda. `errorMessage` is all the caller
/// sees, so conforming types build it from names and codes only, never from
/// a value that could be secret.
public protocol LambdaReportableError: Error {
    var errorType: String { get }
    var errorMessage: String { get }
}

/// An error whose description is built for the caller (names and codes
/// only) reports that description.
extension LambdaReportableError where Self: CustomStringConvertible {
    public var errorMessage: String { description }
}
