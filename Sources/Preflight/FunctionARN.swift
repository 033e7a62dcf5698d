/// Whether two Lambda function ARNs name the same function, with or without
/// a version or alias qualifier: the check's comparison, for Revoke too.
public enum FunctionARN {
    public static func same(_ a: String, _ b: String) -> Bool { PreflightRun.sameFunction(a, b) }
}
