import Glibc
import Testing

@testable import Platform

@Suite struct CABundleTests {
    @Test(arguments: [
        ("ce5e74ef.0", true), ("002c0b4f.12", true), ("ce5e74ef.r0", false), ("CE5E74EF.0", false),
        ("ce5e74e.0", false), ("ce5e74ef.", false), ("ca-certificates.crt", false), ("ce5e74ef", false),
    ])
    func recognisesRehashNames(name: String, expected: Bool) {
        #expect(CABundle.isHashName(name) == expected)
    }

    /// A directory counts only with a hash-named entry: Amazon Linux's
    /// /etc/ssl/certs holds just the bundle, which CAPATH would never find.
    @Test func needsAHashNamedEntry() throws {
        var template = Array("/tmp/cabundle-test-XXXXXX".utf8CString)
        let directory = try #require(
            template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        defer {
            for name in ["ca-bundle.crt", "ce5e74ef.0"] { unlink("\(directory)/\(name)") }
            rmdir(directory)
        }
        func touch(_ name: String) { close(open("\(directory)/\(name)", O_CREAT | O_WRONLY, 0o600)) }

        touch("ca-bundle.crt")
        #expect(!CABundle.holdsHashedCertificates(directory))
        touch("ce5e74ef.0")
        #expect(CABundle.holdsHashedCertificates(directory))
        #expect(!CABundle.holdsHashedCertificates("\(directory)/missing"))
    }
}
