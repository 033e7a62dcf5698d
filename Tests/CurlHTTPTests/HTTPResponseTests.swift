@testable import CurlHTTP
import Testing

@Suite struct HTTPHelpersTests {
    @Test(arguments: [" 1763895078734\r\n", "1763895078734\r\n", "\t1763895078734 "])
    func trimsHeaderValuesIncludingCRLF(raw: String) {
        #expect(raw.trimmingWhitespace() == "1763895078734")
    }

    @Test(arguments: [
        ("http://127.0.0.1:9001/2018-06-01/runtime", "127.0.0.1:9001"),
        ("https://secretsmanager.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"),
        ("https://h/path?q=1", "h"),
    ])
    func namesTheHostOfAURL(url: String, host: String) {
        #expect(HTTPClient.host(of: url) == host)
    }

    @Test func findsHeadersCaseInsensitively() {
        let response = HTTPResponse(status: 200, headers: [(name: "lambda-runtime-deadline-ms", value: "5")], body: [])
        #expect(response.header("Lambda-Runtime-Deadline-Ms") == "5")
    }
}
