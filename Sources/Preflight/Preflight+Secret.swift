import ErrorTypes
import Rotation

extension PreflightRun {
    /// DescribeSecret: the endpoint answers, rotation is on and points here,
    /// no rotation is stuck. False when the secret cannot be described.
    func checkSecret() -> Bool {
        let endpoint = context.secretsManagerEndpoint
        let (result, ms) = timed { try preflight.secrets.describe(secretId) }
        let facts: SecretFacts
        switch result {
        case .failure(let error):
            let (type, text) = context.describeError(error)
            add(
                "secrets-manager", false, "DescribeSecret at \(endpoint) failed: \(text)", ms,
                advice: Self.secretsManagerAdvice(errorType: type))
            return false
        case .success(let value):
            facts = value
        }
        addMeasurement(secretsManager: ms)
        arn = facts.arn
        add(
            "secrets-manager", true, "DescribeSecret at \(endpoint) answered in \(PreflightReport.milliseconds(ms)) ms",
            ms)

        let turnOn =
            "aws secretsmanager rotate-secret --secret-id \(facts.arn) --rotation-lambda-arn \(context.functionARN ?? "<this function's ARN>") --rotation-rules AutomaticallyAfterDays=30"
        if facts.rotationEnabled == true {
            add("rotation-enabled", true, "rotation is enabled")
        } else {
            add(
                "rotation-enabled", false,
                "rotation is not enabled for \(facts.name); once every other check passes, turn it on",
                advice: "Turn rotation on: \(turnOn)")
        }

        switch (facts.rotationFunctionARN, context.functionARN) {
        case (nil, _):
            add(
                "rotation-function", true,
                "no rotation function is set yet; rotate-secret with --rotation-lambda-arn sets it")
        case (let configured?, nil):
            add(
                "rotation-function", true,
                "rotation runs \(configured); this invocation carries no function ARN to compare")
        case (let configured?, let own?) where Self.sameFunction(configured, own):
            add("rotation-function", true, "rotation runs this function (\(configured))")
        case (let configured?, let own?):
            add(
                "rotation-function", false, "rotation runs \(configured), not this function (\(own))",
                advice: "Point the secret's rotation at this function: \(turnOn)")
        }

        let stages = Self.stagesSummary(facts.versionIdsToStages)
        let stuck = facts.versionIdsToStages
            .filter { $0.value.contains(Stage.pending) && !$0.value.contains(Stage.current) }
            .map(\.key).sorted()
        if stuck.isEmpty {
            add("stuck-rotation", true, "no unfinished rotation; versions: \(stages)")
        } else {
            let commands = stuck.map {
                "aws secretsmanager update-secret-version-stage --secret-id \(facts.arn) --version-stage AWSPENDING --remove-from-version-id \($0)"
            }
            add(
                "stuck-rotation", false,
                "AWSPENDING is on \(stuck.joined(separator: ", ")), which is not AWSCURRENT: an unfinished rotation (Secrets Manager re-runs it instead of starting a new one); versions: \(stages)",
                advice:
                    "If that rotation never set its password (the AWSCURRENT password still logs in), clear it: \(commands.joined(separator: "; ")); otherwise finish it with rotate-secret (see docs/operations.md, \"When a rotation fails\")"
            )
        }
        return true
    }

    /// Reads and parses AWSCURRENT, and the strategy's own keys.
    func checkSecretValue() -> DatabaseSecret? {
        let (result, ms) = timed { try preflight.secrets.currentSecretString(secretId) }
        let text: String
        switch result {
        case .failure(let error):
            add(
                "secret-value", false, "GetSecretValue of AWSCURRENT failed: \(message(error))", ms,
                advice:
                    "Let the function's role call secretsmanager:GetSecretValue on \(arn) (and kms:Decrypt on its key)")
            return nil
        case .success(nil):
            add("secret-value", false, "AWSCURRENT holds no SecretString (a SecretBinary, or no value)", ms)
            return nil
        case .success(let value?):
            text = value
        }
        addMeasurement(secretsManager: ms)
        let secret: DatabaseSecret
        do {
            secret = try DatabaseSecret(parsing: text, keys: context.settings.keys)
        } catch {
            add(
                "secret-value", false, "AWSCURRENT: \(error)", ms,
                advice:
                    "Fix the secret's JSON: keys engine, host, \(context.settings.keys.username), \(context.settings.keys.password) (see docs/configuration.md, \"The secret\")"
            )
            return nil
        }
        let ssl = secret.ssl.map { "ssl \($0)" } ?? "no ssl key"
        add(
            "secret-value", true,
            "engine \(secret.engine.rawValue), user \(secret.username) at \(secret.host):\(secret.port), database \(secret.dbname ?? "(none)"), \(ssl); every required key present",
            ms)

        switch (strategy, secret.masterARN) {
        case (.single, _):
            add("strategy-keys", true, "self needs no key beyond the required ones")
        case (_, let master?):
            add("strategy-keys", true, "masterarn names the admin secret \(master)")
        case (_, nil):
            add(
                "strategy-keys", false,
                "\(strategy.rawValue) needs the key masterarn: the ARN of an admin secret for the same server",
                advice: "Add \"masterarn\" to the secret, naming the admin secret's ARN")
        }
        return secret
    }

    /// The admin secret named by `masterarn`, read and placed by the
    /// rotation's own code (`PreflightContext.placeAdmin`).
    func checkAdminSecret(_ current: DatabaseSecret) {
        guard let master = current.masterARN else { return }
        let (result, ms) = timed { try context.placeAdmin(current, secretId) }
        switch result {
        case .success(let admin):
            addMeasurement(secretsManager: ms)
            self.admin = admin
            add("admin-secret", true, "readable; user \(admin.username) at \(admin.host):\(admin.port)", ms)
        case .failure(let error):
            add(
                "admin-secret", false, "the admin secret \(master): \(message(error))", ms,
                advice:
                    "Let the function's role read the admin secret (template parameter AdminSecretArns), check the ARN in masterarn, and see docs/errors.md for \(context.describeError(error).type)"
            )
        }
    }

    /// A function ARN with or without a version or alias qualifier.
    static func sameFunction(_ a: String, _ b: String) -> Bool {
        func base(_ arn: String) -> String {
            arn.split(separator: ":", omittingEmptySubsequences: false).prefix(7).joined(separator: ":")
        }
        return a == b || base(a) == base(b)
    }

    static func stagesSummary(_ stages: [String: [String]]) -> String {
        let labelled = stages.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
        guard !labelled.isEmpty else { return "none labelled" }
        return labelled.map { "\($0.key) \($0.value.sorted().joined(separator: "+"))" }.joined(separator: ", ")
    }

    static func secretsManagerAdvice(errorType: String) -> String {
        switch errorType {
        case "ResourceNotFoundException":
            "Check the secret's name or ARN, and that the function runs in the secret's region"
        case "AccessDeniedException":
            "Let the function's role call secretsmanager:DescribeSecret on the secret (template parameter RotatedSecretArns)"
        case ErrorType.secretsManagerTransportError.rawValue, ErrorType.secretsManagerDeadlineExceeded.rawValue:
            "Give the function a route to Secrets Manager: an interface VPC endpoint (private DNS on) or a NAT gateway, or set SECRETS_MANAGER_ENDPOINT (see docs/deploy.md, Networking)"
        default:
            "See docs/errors.md for \(errorType)"
        }
    }
}
