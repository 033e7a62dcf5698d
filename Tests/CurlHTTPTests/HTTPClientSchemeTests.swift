import CurlHTTP
import Testing

/// The deployment zip links libcurl without the libraries of any scheme but
/// HTTP's (scripts/curl_unused.c): a URL naming another scheme must be
/// refused by curl before it reaches one of those stand-ins, with a clear error.
@Suite struct HTTPClientSchemeTests {
    @Test(arguments: [
        "ldap://127.0.0.1:1/dc=example", "scp://127.0.0.1:1/file", "sftp://127.0.0.1:1/file",
        "rtmp://127.0.0.1:1/stream", "ftp://127.0.0.1:1/file", "file:///etc/hostname", "dict://127.0.0.1:1/d",
    ])
    func refusesEverySchemeButHTTP(url: String) {
        let client = HTTPClient()
        do {
            _ = try client.send(HTTPRequest(method: "GET", url: url, connectTimeout: 1, totalTimeout: 2))
            Issue.record("\(url) was fetched")
        } catch {
            // CURLE_UNSUPPORTED_PROTOCOL: refused by the allowed-protocols list, nothing sent.
            #expect(error.curlCode == 1)
        }
    }
}
