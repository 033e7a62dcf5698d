import LambdaRuntime
import MariaDB
import RDS
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

extension RDSError: LambdaReportableError {
    public var errorType: String { "RDSError" }
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
