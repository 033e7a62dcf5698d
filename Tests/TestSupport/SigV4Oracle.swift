import AWSCore
import CurlHTTP
import Foundation

/// botocore's `SigV4Auth` signing the same requests as the Swift signer
/// (harness/oracles/sigv4_oracle.py), for the tests that hold a signature to
/// it. Needs python3 with botocore (scripts/test.sh installs it); without them
/// `sign` throws, so a test fails rather than passing unchecked. (Errors,
/// not Testing's issues: this target is built without Testing.)
public enum SigV4Oracle {
    /// One request to sign, with what the signature depends on.
    public struct Case {
        public var request: HTTPRequest
        public var credentials: AWSCredentials
        public var region: String
        public var service: String
        public var epochSeconds: Int64

        public init(
            request: HTTPRequest, credentials: AWSCredentials, region: String, service: String, epochSeconds: Int64
        ) {
            self.request = request
            self.credentials = credentials
            self.region = region
            self.service = service
            self.epochSeconds = epochSeconds
        }

        /// A request as a client sent it: the signature's headers taken off,
        /// its `X-Amz-Date` the time to sign at.
        public init(sent: HTTPRequest, credentials: AWSCredentials, region: String, service: String) {
            let date = sent.headers.first { $0.name == "X-Amz-Date" }?.value ?? ""
            var unsigned = sent
            unsigned.headers.removeAll { ["Authorization", "X-Amz-Date", "X-Amz-Security-Token"].contains($0.name) }
            self.init(
                request: unsigned, credentials: credentials, region: region, service: service,
                epochSeconds: SigV4Oracle.epochSeconds(amzDate: date))
        }
    }

    /// The headers botocore's signature adds.
    public struct Answer: Equatable, Sendable {
        public var authorization: String
        public var amzDate: String
        public var securityToken: String?

        public init(authorization: String, amzDate: String, securityToken: String?) {
            self.authorization = authorization
            self.amzDate = amzDate
            self.securityToken = securityToken
        }

        /// The same headers of a request the Swift signer signed.
        public init(signed request: HTTPRequest) {
            func header(_ name: String) -> String? { request.headers.first { $0.name == name }?.value }
            self.init(
                authorization: header("Authorization") ?? "", amzDate: header("X-Amz-Date") ?? "",
                securityToken: header("X-Amz-Security-Token"))
        }
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public var status: Int32
        public var errors: String
        public var description: String {
            "The botocore oracle failed (exit \(status)). It needs python3 with botocore: "
                + "run scripts/test.sh, or `pip install botocore`.\n\(errors)"
        }
    }

    public struct UnreadableAnswer: Error, CustomStringConvertible {
        public var description: String { "the botocore oracle's answer is not a JSON array of objects" }
    }

    /// botocore's answer for each case, in order.
    public static func sign(_ cases: [Case]) throws -> [Answer] {
        let specs: [[String: Any]] = cases.map { testCase in
            [
                "method": testCase.request.method,
                "url": testCase.request.url,
                "headers": testCase.request.headers.map { [$0.name, $0.value] },
                "body_base64": Data(testCase.request.body).base64EncodedString(),
                "access_key": testCase.credentials.accessKeyId,
                "secret_key": testCase.credentials.secretAccessKey,
                "token": testCase.credentials.sessionToken as Any? ?? NSNull(),
                "region": testCase.region,
                "service": testCase.service,
                "epoch_seconds": testCase.epochSeconds,
            ]
        }
        let input = try JSONSerialization.data(withJSONObject: specs)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = root.appendingPathComponent("harness/oracles/sigv4_oracle.py").path
        let (status, output, errors) = try run(["python3", script], input: input)
        guard status == 0 else { throw Unavailable(status: status, errors: errors) }
        guard let answers = try JSONSerialization.jsonObject(with: output) as? [[String: Any]] else {
            throw UnreadableAnswer()
        }
        return answers.map {
            Answer(
                authorization: $0["authorization"] as? String ?? "", amzDate: $0["x_amz_date"] as? String ?? "",
                securityToken: $0["security_token"] as? String)
        }
    }

    static func run(_ arguments: [String], input: Data) throws -> (Int32, Data, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Write and read on separate threads so neither pipe fills and blocks the other.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errorData = LockedData()
        // The reader signals when stderr is read to its end: waited on, not polled.
        let errorRead = DispatchSemaphore(value: 0)
        let errorReader = Thread {
            errorData.set(stderr.fileHandleForReading.readDataToEndOfFile())
            errorRead.signal()
        }
        errorReader.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorRead.wait()
        return (process.terminationStatus, output, String(decoding: errorData.get() ?? Data(), as: UTF8.self))
    }

    final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var data: Data?
        func set(_ value: Data) { lock.withLock { data = value } }
        func get() -> Data? { lock.withLock { data } }
    }

    /// The instant an `X-Amz-Date` (`20150830T123600Z`) names.
    public static func epochSeconds(amzDate: String) -> Int64 {
        let digits = Array(amzDate.utf8)
        guard digits.count == 16 else { return 0 }
        func number(_ range: Range<Int>) -> Int32 { Int32(String(decoding: digits[range], as: UTF8.self)) ?? 0 }
        var parts = tm()
        parts.tm_year = number(0..<4) - 1900
        parts.tm_mon = number(4..<6) - 1
        parts.tm_mday = number(6..<8)
        parts.tm_hour = number(9..<11)
        parts.tm_min = number(11..<13)
        parts.tm_sec = number(13..<15)
        return Int64(timegm(&parts))
    }
}
