/// One element of an XML document: its name (prefix dropped), its child
/// elements and the character data directly inside it.
///
/// The RDS Query API answers in XML; this reads exactly what those answers
/// use (elements, attributes, the five predefined entities, character
/// references, CDATA, comments, the XML declaration) and refuses the rest
/// (DTDs, unbalanced or mismatched tags, unknown entities, trailing content),
/// so a truncated or foreign answer is an error rather than a half-read value.
public struct XMLElement: Sendable, Equatable {
    public var name: String
    public var children: [XMLElement]
    public var text: String

    public init(name: String, children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.children = children
        self.text = text
    }

    /// The first child named `name`.
    public func child(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }

    /// The element at a path of child names, e.g. `["DBInstances", "DBInstance"]`.
    public func descendant(_ path: String...) -> XMLElement? {
        var element: XMLElement? = self
        for name in path { element = element?.child(name) }
        return element
    }

    /// Every child named `name`, in document order.
    public func all(_ name: String) -> [XMLElement] {
        children.filter { $0.name == name }
    }

    public init(parsing text: [UInt8]) throws(XMLError) {
        var parser = XMLParser(bytes: text)
        self = try parser.document()
    }
}

/// Why a document was refused: a position and a reason, never its content.
public struct XMLError: Error, Equatable, CustomStringConvertible, Sendable {
    public var offset: Int
    public var reason: String

    public var description: String { "malformed XML at byte \(offset): \(reason)" }
}

struct XMLParser {
    let bytes: [UInt8]
    var index = 0
    /// Elements open around the current position.
    var depth = 0
    /// RDS's answers nest six or seven deep and weigh kilobytes; the limits
    /// keep a hostile or broken endpoint from exhausting the stack (each
    /// level is a recursion) or the memory.
    static let maxDepth = 32
    static let maxBytes = 4 << 20

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func document() throws(XMLError) -> XMLElement {
        guard bytes.count <= Self.maxBytes else { throw fail("the document is larger than \(Self.maxBytes) bytes") }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        try skipMisc()
        guard peek(is: "<") else { throw fail("no root element") }
        let root = try element()
        try skipMisc()
        guard index == bytes.count else { throw fail("content after the root element") }
        return root
    }

    /// Whitespace, comments and processing instructions (the XML declaration).
    mutating func skipMisc() throws(XMLError) {
        while true {
            skipSpace()
            if peek(is: "<?") {
                try skip(past: "?>")
            } else if peek(is: "<!--") {
                try skip(past: "-->")
            } else if peek(is: "<!") {
                throw fail("document type declarations are not accepted")
            } else {
                return
            }
        }
    }

    mutating func element() throws(XMLError) -> XMLElement {
        guard depth < Self.maxDepth else { throw fail("elements nested deeper than \(Self.maxDepth)") }
        depth += 1
        defer { depth -= 1 }
        index += 1  // "<"
        let qualified = name()
        guard !qualified.isEmpty else { throw fail("an element without a name") }
        try attributes()
        var element = XMLElement(name: Self.localName(qualified))
        if peek(is: "/>") {
            index += 2
            return element
        }
        guard peek(is: ">") else { throw fail("an unterminated start tag") }
        index += 1
        var text: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fail("the document ends inside <\(qualified)>") }
            if peek(is: "</") {
                index += 2
                let closing = name()
                guard closing == qualified else { throw fail("</\(closing)> closes <\(qualified)>") }
                skipSpace()
                guard peek(is: ">") else { throw fail("an unterminated end tag") }
                index += 1
                element.text = String(decoding: text, as: UTF8.self)
                return element
            } else if peek(is: "<!--") {
                try skip(past: "-->")
            } else if peek(is: "<![CDATA[") {
                index += 9
                let start = index
                try skip(past: "]]>")
                text += bytes[start..<(index - 3)]
            } else if peek(is: "<?") {
                try skip(past: "?>")
            } else if peek(is: "<") {
                element.children.append(try self.element())
            } else if bytes[index] == UInt8(ascii: "&") {
                text += try reference()
            } else {
                text.append(bytes[index])
                index += 1
            }
        }
    }

    /// Attributes are checked for form and dropped: nothing RDS answers needs them.
    mutating func attributes() throws(XMLError) {
        while true {
            let hadSpace = skipSpace()
            if peek(is: ">") || peek(is: "/>") { return }
            guard hadSpace, !name().isEmpty else { throw fail("a malformed attribute") }
            skipSpace()
            guard peek(is: "=") else { throw fail("an attribute without a value") }
            index += 1
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                throw fail("an unquoted attribute value")
            }
            let quote = bytes[index]
            index += 1
            while index < bytes.count, bytes[index] != quote {
                if bytes[index] == UInt8(ascii: "<") { throw fail("'<' in an attribute value") }
                index += 1
            }
            guard index < bytes.count else { throw fail("an unterminated attribute value") }
            index += 1
        }
    }

    mutating func reference() throws(XMLError) -> [UInt8] {
        let start = index
        guard let end = bytes[index...].firstIndex(of: UInt8(ascii: ";")), end - start <= 12 else {
            throw fail("an unterminated entity reference")
        }
        let body = String(decoding: bytes[(start + 1)..<end], as: UTF8.self)
        index = end + 1
        switch body {
        case "amp": return Array("&".utf8)
        case "lt": return Array("<".utf8)
        case "gt": return Array(">".utf8)
        case "quot": return Array("\"".utf8)
        case "apos": return Array("'".utf8)
        default:
            let scalarValue: UInt32? =
                if body.hasPrefix("#x") { UInt32(body.dropFirst(2), radix: 16) } else if body.hasPrefix("#") {
                    UInt32(body.dropFirst(), radix: 10)
                } else { nil }
            guard let scalarValue, let scalar = Unicode.Scalar(scalarValue), scalarValue != 0 else {
                index = start
                throw fail("an unknown entity reference")
            }
            return Array(String(Character(scalar)).utf8)
        }
    }

    mutating func name() -> String {
        let start = index
        while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: ":"), 0x80...0xFF:
            true
        default: false
        }
    }

    static func localName(_ qualified: String) -> String {
        guard let colon = qualified.lastIndex(of: ":") else { return qualified }
        return String(qualified[qualified.index(after: colon)...])
    }

    @discardableResult
    mutating func skipSpace() -> Bool {
        let start = index
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index > start
    }

    func peek(is literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return literal.withUTF8Buffer { buffer in
            buffer.indices.allSatisfy { bytes[index + $0] == buffer[$0] }
        }
    }

    mutating func skip(past terminator: StaticString) throws(XMLError) {
        while index < bytes.count {
            if peek(is: terminator) {
                index += terminator.utf8CodeUnitCount
                return
            }
            index += 1
        }
        throw fail("an unterminated construct (no \(terminator))")
    }

    func fail(_ reason: String) -> XMLError {
        XMLError(offset: index, reason: reason)
    }
}
