import CurlHTTP
import Testing

@Suite struct PercentEncodingTests {
    @Test func keepsTheUnreservedAndEncodesEveryOtherByte() {
        #expect(PercentEncoding.encode("aZ09-_.~") == "aZ09-_.~")
        #expect(PercentEncoding.encode("a b/é+\n") == "a%20b%2F%C3%A9%2B%0A")
        #expect(PercentEncoding.encode("/a b/", keeping: UInt8(ascii: "/")) == "/a%20b/")
    }

    @Test func decodesEscapesOnly() {
        #expect(PercentEncoding.decode("a%2Fb+%zz%C3%A9") == Array("a/b+%zzé".utf8))
    }
}
