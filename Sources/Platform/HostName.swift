/// A database host as something a resolver looks up, never as a string a
/// library parses further.
///
/// MariaDB Connector/C 3.3 reads a host containing `;` as a connection
/// string of `key=value` options (TLS verification, local-infile,
/// init-command, plugin directory, ...) applied after the function's own,
/// a `,` as a list of hosts with ports, and `://` as a connection URL. So a
/// host is accepted only in the three shapes a resolver understands:
/// - a DNS name: labels of ASCII letters, digits and `-` (not first or
///   last), 1 to 63 characters each, joined by `.`, at most 253 characters,
///   an optional trailing `.` (all-digit forms such as `127.1`, which a
///   resolver reads as an address, are names by this rule, and harmless);
/// - an IPv4 literal: four decimal numbers 0–255 without leading zeros;
/// - an IPv6 literal, with or without `[` `]`, without a zone (`%eth0`).
public enum HostName: Sendable, Equatable {
    case dnsName
    case ipv4
    case ipv6

    /// The shape of `text`, nil when it is none of the three.
    public init?(classifying text: String) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        if bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") {
            guard bytes.count > 2, Self.isIPv6(bytes[1..<(bytes.count - 1)]) else { return nil }
            self = .ipv6
        } else if bytes.contains(UInt8(ascii: ":")) {
            guard Self.isIPv6(bytes[...]) else { return nil }
            self = .ipv6
        } else if Self.isIPv4(bytes[...]) {
            self = .ipv4
        } else if Self.isDNSName(bytes) {
            self = .dnsName
        } else {
            return nil
        }
    }

    public static func isValid(_ text: String) -> Bool {
        HostName(classifying: text) != nil
    }

    /// What a resolver is given: an IPv6 literal without its brackets.
    public static func dialable(_ text: String) -> String {
        guard HostName(classifying: text) == .ipv6, text.hasPrefix("[") else { return text }
        return String(text.dropFirst().dropLast())
    }

    static func isDNSName(_ bytes: [UInt8]) -> Bool {
        var name = bytes[...]
        if name.last == UInt8(ascii: ".") { name = name.dropLast() }
        guard !name.isEmpty, name.count <= 253 else { return false }
        let labels = name.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: "-") })
        }
    }

    static func isIPv4(_ bytes: ArraySlice<UInt8>) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return false }
            if part.count > 1 && part.first == UInt8(ascii: "0") { return false }
            return Int(String(decoding: part, as: UTF8.self))! <= 255
        }
    }

    /// RFC 4291's text forms: eight groups of 1–4 hex digits, one `::`
    /// standing for one or more zero groups, and optionally an IPv4 address
    /// as the last 32 bits.
    static func isIPv6(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count <= 45 else { return false }
        let text = Array(bytes)
        let halves = split(text, on: [UInt8(ascii: ":"), UInt8(ascii: ":")])
        guard halves.count <= 2 else { return false }
        let compressed = halves.count == 2
        func groups(_ part: [UInt8]) -> [ArraySlice<UInt8>]? {
            part.isEmpty ? [] : part.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        }
        guard let head = groups(halves[0]), let tail = compressed ? groups(halves[1]) : [] else { return false }
        var all = head + tail
        var width = 0
        if let last = all.last, last.contains(UInt8(ascii: ".")) {
            guard isIPv4(last) else { return false }
            all.removeLast()
            width = 2
        }
        guard all.allSatisfy({ (1...4).contains($0.count) && $0.allSatisfy(isHexDigit) }) else { return false }
        width += all.count
        return compressed ? width <= 7 : width == 8
    }

    private static func split(_ text: [UInt8], on separator: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index < text.count {
            if index + separator.count <= text.count, Array(text[index..<(index + separator.count)]) == separator {
                parts.append(current)
                current = []
                index += separator.count
            } else {
                current.append(text[index])
                index += 1
            }
        }
        parts.append(current)
        return parts
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
}
