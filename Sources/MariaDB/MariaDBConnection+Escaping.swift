import CMariaDB

extension MariaDBConnection {
    /// `value` escaped for use inside a single-quoted SQL literal, without the
    /// quotes. Escaping is done by the connection because it depends on the
    /// session: with NO_BACKSLASH_ESCAPES in sql_mode a backslash is an
    /// ordinary character and only quotes are doubled.
    public func escapeLiteral(_ value: String) -> String {
        let source = Array(value.utf8)
        // The documented worst case: every byte escaped, plus the terminator.
        var escaped = [CChar](repeating: 0, count: source.count * 2 + 1)
        let length = source.withUnsafeBufferPointer { from in
            from.withMemoryRebound(to: CChar.self) { from in
                mysql_real_escape_string(handle, &escaped, from.baseAddress, UInt(from.count))
            }
        }
        // (unsigned long)-1 only signals an overflow of the buffer above.
        precondition(length != UInt.max, "mysql_real_escape_string overflowed a worst-case buffer")
        return String(decoding: escaped[..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
