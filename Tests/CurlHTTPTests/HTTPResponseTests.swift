import Testing

@testable import CurlHTTP

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

@Suite struct HTTPErrorTests {
    @Test func namesCurlsOwnWordsWhenItHasThem() {
        let detailed = HTTPError(
            kind: .tls, host: "h:443", curlCode: 60, reason: "SSL peer certificate or SSH remote key was not OK",
            detail: "SSL: no alternative certificate subject name matches target host name 'h'")
        #expect(
            detailed.description == "HTTP request to h:443 failed: SSL peer certificate or SSH remote key was not OK: "
                + "SSL: no alternative certificate subject name matches target host name 'h' (curl 60)")
        let plain = HTTPError(kind: .timedOut, host: "h", curlCode: 28, reason: "Timeout was reached")
        #expect(plain.description == "HTTP request to h failed: Timeout was reached (curl 28)")
    }
}
