import RDS
import Testing

@Suite struct XMLElementTests {
    func parse(_ text: String) throws(XMLError) -> XMLElement {
        try XMLElement(parsing: Array(text.utf8))
    }

    @Test func readsElementsTextAndEntities() throws {
        let root = try parse(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment -->
            <a:Root xmlns:a="urn:x" k='v'><Name>x &amp; y &lt;&#65;&#x42;&gt;</Name><Empty/><![CDATA[<raw>]]><List><i>1</i><i>2</i></List></a:Root>
            """)
        #expect(root.name == "Root")
        #expect(root.child("Name")?.text == "x & y <AB>")
        #expect(root.child("Empty") == XMLElement(name: "Empty"))
        #expect(root.text == "<raw>")
        #expect(root.child("List")?.all("i").map(\.text) == ["1", "2"])
        #expect(root.descendant("List", "i")?.text == "1")
    }

    @Test(arguments: [
        "", "<a>", "<a></b>", "<a><b></a></b>", "<a>&unknown;</a>", "<a>&amp</a>", "<a></a><b></b>",
        "<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", "<a k=v></a>", "<a k='<'></a>", "text", "<a><!-- </a>",
        "<a>&#0;</a>",
    ])
    func refusesWhatIsNotWellFormed(_ text: String) {
        #expect(throws: XMLError.self) { try parse(text) }
    }
}

/// A hostile or broken endpoint cannot exhaust the stack or the memory.
@Suite struct XMLBoundsTests {
    @Test func refusesNestingDeeperThanAnyRDSAnswer() throws {
        let deep = String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
        let error = try #require(throws: XMLError.self) { try XMLElement(parsing: Array(deep.utf8)) }
        #expect(error.reason.contains("nested deeper"))
        let fine = String(repeating: "<a>", count: 30) + String(repeating: "</a>", count: 30)
        #expect(throws: Never.self) { try XMLElement(parsing: Array(fine.utf8)) }
    }

    @Test func refusesADocumentLargerThanAnyRDSAnswer() throws {
        let large = "<a>" + String(repeating: "x", count: 5 << 20) + "</a>"
        let error = try #require(throws: XMLError.self) { try XMLElement(parsing: Array(large.utf8)) }
        #expect(error.reason.contains("larger than"))
    }
}
