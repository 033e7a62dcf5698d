import JSON
import Testing

@Suite struct JSONValueTests {
    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #"{"big":9007199254740993,"neg":-12345678901234567890,"dec":2.50,"exp":1E+300,"tiny":-0.0e-7}"#,
        #"{"z":1,"a":2,"m":3}"#,
        #"["Zoë","🚀","\u0000\u001f","\"\\\/","tab\there"]"#,
        #"{}"#, #"[]"#, #""text""#, #"0"#,
    ])
    func roundTripsKeepingNumbersAndOrder(text: String) throws {
        let value = try JSONValue(parsing: text)
        let again = try JSONValue(parsing: value.serialized)
        #expect(again == value)
        #expect(try JSONValue(parsing: again.serialized).serialized == value.serialized)
    }

    @Test func keepsLiteralNumberText() throws {
        let value = try JSONValue(parsing: #"{"big":9007199254740993,"dec":2.50}"#)
        #expect(value.serialized == #"{"big":9007199254740993,"dec":2.50}"#)
        #expect(value["big"]?.intValue == 9_007_199_254_740_993)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONValue(parsing: #""\ud83d\ude80 \u00e9 \n""#)
        #expect(value == .string("🚀 é \n"))
    }

    @Test func escapesWhatJSONRequires() {
        let value = JSONValue.string("a\"b\\c\n\u{01}é")
        #expect(value.serialized == #""a\"b\\c\n\u0001é""#)
    }

    @Test func replacingAKeyKeepsItsPlace() throws {
        var object = try #require(try JSONValue(parsing: #"{"a":1,"password":"x","b":2}"#).objectValue)
        object["password"] = .string("y")
        object["c"] = .null
        #expect(object.serialized == #"{"a":1,"password":"y","b":2,"c":null}"#)
        object["a"] = nil
        #expect(object.keys == ["password", "b", "c"])
    }

    @Test(arguments: [
        "", "{", "[1,]", #"{"a":1,}"#, "01", "1.", "-", "tru", #""\x""#, #""\ud800""#, "{} x", "[1 2]",
        "\"a\u{01}\"", "NaN", String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
    ])
    func rejectsInvalidText(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func errorsGivePositionsNotContent() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONValue(parsing: "secret-value-here") }
        #expect(!error.description.contains("secret"))
        #expect(error.offset == 0)
    }
}
