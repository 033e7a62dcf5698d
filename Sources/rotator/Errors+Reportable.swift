import LambdaRuntime
import MariaDB
import Rotation
import SecretsManager

// Each error's Lambda `errorMessage` is its description, which every type
// here builds from names, hosts and codes only.

extension RotationError: LambdaReportableError {
    public var errorMessage: String { description }
}

extension ConfigurationError: LambdaReportableError {
    public var errorType: String { "Configuration" }
    public var errorMessage: String { description }
}

extension SecretsManagerError: LambdaReportableError {
    public var errorMessage: String { description }
}

extension MariaDBError: LambdaReportableError {
    public var errorType: String { "DatabaseError" }
    public var errorMessage: String { description }
}

extension LoginRejected: LambdaReportableError {
    public var errorType: String { "DatabaseLoginFailed" }
    public var errorMessage: String { description }
}

extension DeploymentError: LambdaReportableError {
    var errorType: String {
        switch self {
        case .noCABundle: "Configuration"
        case .deadline: "DeadlineExceeded"
        }
    }
    var errorMessage: String { description }
}

extension Error {
    /// The type and message to report and log for any error. An error of a
    /// type not listed here is named by its type only: its description was
    /// not written to keep secrets out.
    var errorType: String { (self as? LambdaReportableError)?.errorType ?? "Runtime.UnhandledError" }
    var safeMessage: String {
        (self as? LambdaReportableError)?.errorMessage ?? "unexpected error of type \(type(of: self))"
    }
}
