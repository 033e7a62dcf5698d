import Cryptography
import CurlHTTP

/// Signs requests with AWS Signature Version 4 (header form).
///
/// Follows botocore's `SigV4Auth`, which the tests use as an oracle: every
/// header on the request is signed except hop-by-hop ones, `host` is signed
/// even though curl adds it, and the payload hash goes into the canonical
/// request but is not sent as `X-Amz-Content-Sha256` (only S3 wants that).
public struct SigV4Signer: Sendable {
    public var region: String
    public var service: String
    public var credentials: AWSCredentials

    static let algorithm = "AWS4-HMAC-SHA256"

    public init(region: String, service: String, credentials: AWSCredentials) {
        self.region = region
        self.service = service
        self.credentials = credentials
    }

    /// Adds `X-Amz-Date`, `X-Amz-Security-Token` (with a session token) and
    /// `Authorization`, replacing any left from an earlier attempt.
    public func sign(_ request: inout HTTPRequest, at epochSeconds: Int64) {
        let signing = addDateAndToken(&request, at: epochSeconds)
        request.headers.append((name: "Authorization", value: signing.authorization))
    }

    /// Every intermediate value, for tests to compare with published ones.
    struct Signing {
        var canonicalRequest: String
        var stringToSign: String
        var authorization: String
    }

    func addDateAndToken(_ request: inout HTTPRequest, at epochSeconds: Int64) -> Signing {
        let date = AMZDate(epochSeconds: epochSeconds)
        let replaced: Set<String> = ["authorization", "x-amz-date", "x-amz-security-token"]
        request.headers.removeAll { replaced.contains($0.name.lowercased()) }
        request.headers.append((name: "X-Amz-Date", value: date.dateTime))
        if let token = credentials.sessionToken {
            request.headers.append((name: "X-Amz-Security-Token", value: token))
        }
        let canonical = canonicalRequest(request)
        let stringToSign = stringToSign(canonical.text, date: date)
        let signature = Digest.hex(Digest.hmacSHA256(key: signingKey(date: date.date), stringToSign))
        let authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(credentialScope(date: date.date)), "
            + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        return Signing(canonicalRequest: canonical.text, stringToSign: stringToSign, authorization: authorization)
    }

    func credentialScope(date: String) -> String {
        "\(date)/\(region)/\(service)/aws4_request"
    }

    func stringToSign(_ canonicalRequest: String, date: AMZDate) -> String {
        [
            Self.algorithm,
            date.dateTime,
            credentialScope(date: date.date),
            Digest.hex(Digest.sha256(canonicalRequest)),
        ].joined(separator: "\n")
    }

    /// The key is derived per day, region and service so that a leaked
    /// signing key is worth little; deriving it per request costs four HMACs.
    func signingKey(date: String) -> [UInt8] {
        let dateKey = Digest.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), date)
        let regionKey = Digest.hmacSHA256(key: dateKey, region)
        let serviceKey = Digest.hmacSHA256(key: regionKey, service)
        return Digest.hmacSHA256(key: serviceKey, "aws4_request")
    }
}

extension SigV4Signer: CustomStringConvertible {
    public var description: String {
        "SigV4Signer(region: \(region), service: \(service), credentials: \(credentials))"
    }
}
