import AWSEndpoint
import ErrorTypes
import LambdaRuntime
import MariaDB
import RDS
import Rotation
import SecretsManager

// Each error's Lambda `errorMessage` is its description, which every type
// here builds from names, hosts and codes only. Each `errorType` is one of
// `ErrorType`'s.

extension RotationError: LambdaReportableError {}

extension ConfigurationError: LambdaReportableError {
    public var errorType: String { ErrorType.configuration.rawValue }
}

extension EndpointError: LambdaReportableError {
    public var errorType: String { ErrorType.configuration.rawValue }
}

extension SecretsManagerError: LambdaReportableError {}

extension RDSError: LambdaReportableError {
    public var errorType: String { ErrorType.rdsError.rawValue }
}

extension MariaDBError: LambdaReportableError {
    public var errorType: String {
        switch self {
        case .tlsFailed, .tlsRequiredButUnavailable: ErrorType.databaseTLSFailed.rawValue
        case .insecureAuthentication: ErrorType.insecureAuthentication.rawValue
        case .invalidHost: ErrorType.invalidHost.rawValue
        default: ErrorType.databaseError.rawValue
        }
    }
}

extension UnsafeSessionCharacterSet: LambdaReportableError {}

extension LoginRejected: LambdaReportableError {
    public var errorType: String { ErrorType.databaseLoginFailed.rawValue }
}

extension DeploymentError: LambdaReportableError {
    var errorType: String {
        switch self {
        case .noCABundle: ErrorType.configuration.rawValue
        case .deadline: ErrorType.deadlineExceeded.rawValue
        case .accountChangeNeedsTLS: ErrorType.databaseTLSFailed.rawValue
        }
    }
}
