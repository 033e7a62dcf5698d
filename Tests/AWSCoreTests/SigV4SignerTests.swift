import Cryptography
import CurlHTTP
import Testing

@testable import AWSCore

@Suite struct SigV4SignerTests {
    /// The worked example in AWS's SigV4 documentation: IAM `ListUsers`.
    @Test func reproducesThePublishedListUsersExample() {
        let signer = SigV4Signer(
            region: "us-east-1", service: "iam",
            credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: SuiteVector.secretAccessKey))
        var request = HTTPRequest(
            method: "GET", url: "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
            headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")])
        let signing = signer.addDateAndToken(&request, at: SuiteVector.epochSeconds)

        #expect(
            signing.canonicalRequest == """
                GET
                /
                Action=ListUsers&Version=2010-05-08
                content-type:application/x-www-form-urlencoded; charset=utf-8
                host:iam.amazonaws.com
                x-amz-date:20150830T123600Z

                content-type;host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            Digest.hex(Digest.sha256(signing.canonicalRequest))
                == "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59")
        #expect(
            signing.stringToSign == """
                AWS4-HMAC-SHA256
                20150830T123600Z
                20150830/us-east-1/iam/aws4_request
                f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59
                """)
        #expect(
            Digest.hex(signer.signingKey(date: "20150830"))
                == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
        #expect(
            signing.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date, "
                + "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
    }

    @Test(arguments: SuiteVector.all)
    func matchesTheAWSTestSuite(_ vector: SuiteVector) {
        var request = vector.request
        let signing = vector.signer.addDateAndToken(&request, at: SuiteVector.epochSeconds)
        #expect(signing.canonicalRequest == vector.canonicalRequest)
        #expect(signing.stringToSign == vector.stringToSign)
        #expect(signing.authorization == vector.authorization)

        var signed = vector.request
        vector.signer.sign(&signed, at: SuiteVector.epochSeconds)
        #expect(signed.headers.filter { $0.name == "Authorization" }.map(\.value) == [vector.authorization])
    }

    @Test func addsDateTokenAndAuthorizationOnceEvenWhenSignedAgain() throws {
        let signer = SigV4Signer(
            region: "eu-west-1", service: "secretsmanager",
            credentials: AWSCredentials(accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token"))
        var request = HTTPRequest(method: "POST", url: "https://secretsmanager.eu-west-1.amazonaws.com/")
        signer.sign(&request, at: 0)
        signer.sign(&request, at: 86_400)
        let names = request.headers.map { $0.name.lowercased() }.sorted()
        #expect(names == ["authorization", "x-amz-date", "x-amz-security-token"])
        #expect(request.headers.first { $0.name == "X-Amz-Date" }?.value == "19700102T000000Z")
        let authorization = try #require(request.headers.first { $0.name == "Authorization" }?.value)
        #expect(authorization.contains("Credential=AKID/19700102/eu-west-1/secretsmanager/aws4_request,"))
        #expect(authorization.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"))
    }

    @Test(arguments: [
        (Int64(0), "19700101T000000Z"),
        (951_782_400, "20000229T000000Z"),
        (1_709_251_199, "20240229T235959Z"),
        (2_147_483_648, "20380119T031408Z"),
        (4_102_444_800, "21000101T000000Z"),
    ])
    func formatsTimestampsInUTC(_ epochSeconds: Int64, _ expected: String) {
        let date = AMZDate(epochSeconds: epochSeconds)
        #expect(date.dateTime == expected)
        #expect(date.date == String(expected.prefix(8)))
    }

    /// The signed host must be what curl sends in `Host`.
    @Test(arguments: [
        ("https://secretsmanager.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"),
        ("https://secretsmanager.us-east-1.amazonaws.com:443/", "secretsmanager.us-east-1.amazonaws.com"),
        ("https://secretsmanager.us-east-1.amazonaws.com:8443/", "secretsmanager.us-east-1.amazonaws.com:8443"),
        ("http://127.0.0.1:15000", "127.0.0.1:15000"),
        ("http://localhost:80/x", "localhost"),
        ("http://localhost:443/", "localhost:443"),
        ("http://[::1]:4566/", "[::1]:4566"),
        ("https://user:pass@Example.COM/path?q=1", "example.com"),
    ])
    func derivesTheHostHeader(_ url: String, _ expected: String) {
        #expect(URLParts(url).hostHeader == expected)
    }

    @Test func neverAddsAContentHashHeader() {
        let signer = SuiteVector.all[0].signer
        var request = HTTPRequest(method: "POST", url: "https://example.amazonaws.com/", body: Array("{}".utf8))
        signer.sign(&request, at: SuiteVector.epochSeconds)
        #expect(!request.headers.contains { $0.name.lowercased() == "x-amz-content-sha256" })
    }

    @Test func neitherCredentialsNorSignerPrintTheirSecrets() {
        let credentials = AWSCredentials(
            accessKeyId: "AKIDVISIBLE", secretAccessKey: "SECRETKEY-do-not-print", sessionToken: "TOKEN-do-not-print")
        let signer = SigV4Signer(region: "us-east-1", service: "secretsmanager", credentials: credentials)
        var dumped = ""
        dump(signer, to: &dumped)
        for text in [
            credentials.description, credentials.debugDescription, String(reflecting: credentials),
            "\(signer)", dumped,
        ] {
            #expect(!text.contains("SECRETKEY"))
            #expect(!text.contains("TOKEN-do"))
        }
        #expect(credentials.description.contains("AKIDVISIBLE"))
    }

    @Test func readsCredentialsFromTheEnvironment() throws {
        let full = try #require(
            AWSCredentials.fromEnvironment([
                "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
            ]))
        #expect(full == AWSCredentials(accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token"))
        let noToken = AWSCredentials.fromEnvironment([
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
        ])
        #expect(noToken?.sessionToken == nil)
        #expect(AWSCredentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKID"]) == nil)
        #expect(AWSCredentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "s"]) == nil)
    }
}
