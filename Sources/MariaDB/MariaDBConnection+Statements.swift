import CMariaDB

extension MariaDBConnection {
    /// Runs `sql` and returns the rows of its first result set as text, NULL
    /// as nil. `sensitive` lists literals in `sql` (passwords), in every form
    /// they were written in (raw and quoted, as `SQL.sensitiveForms` gives
    /// them), that must not reappear in an error.
    public func query(_ sql: String, sensitive: [String] = []) throws -> [[String?]] {
        try run(sql, sensitive: sensitive)
        var rows: [[String?]] = []
        if let result = mysql_store_result(handle) {
            defer { mysql_free_result(result) }
            let columns = Int(mysql_num_fields(result))
            while let row = mysql_fetch_row(result) {
                // Lengths rather than C strings, so values may contain NUL.
                guard let lengths = mysql_fetch_lengths(result) else { break }
                rows.append(
                    (0..<columns).map { column in
                        row[column].map { value in
                            String(
                                decoding: UnsafeRawBufferPointer(start: value, count: Int(lengths[column])),
                                as: UTF8.self)
                        }
                    })
            }
        } else if mysql_field_count(handle) != 0 {
            throw failure(sensitive: sensitive)
        }
        try drainResults(sensitive: sensitive)
        return rows
    }

    /// Runs `sql` and discards whatever it returns.
    public func execute(_ sql: String, sensitive: [String] = []) throws {
        try run(sql, sensitive: sensitive)
        if let result = mysql_store_result(handle) {
            mysql_free_result(result)
        } else if mysql_field_count(handle) != 0 {
            throw failure(sensitive: sensitive)
        }
        try drainResults(sensitive: sensitive)
    }

    private func run(_ sql: String, sensitive: [String]) throws {
        // mysql_real_query takes a length, so a NUL inside a literal is sent
        // rather than ending the statement early.
        let status = sql.utf8CString.withUnsafeBufferPointer { buffer in
            mysql_real_query(handle, buffer.baseAddress, UInt(buffer.count - 1))
        }
        if status != 0 { throw failure(sensitive: sensitive) }
    }

    /// A CALL can produce more result sets than the first; they must be read
    /// off the wire or the next statement fails with "commands out of sync".
    private func drainResults(sensitive: [String]) throws {
        while mysql_more_results(handle) != 0 {
            let status = mysql_next_result(handle)
            if status > 0 { throw failure(sensitive: sensitive) }
            if status < 0 { return }
            if let result = mysql_store_result(handle) { mysql_free_result(result) }
        }
    }

    private func failure(sensitive: [String]) -> MariaDBError {
        let code = mysql_errno(handle)
        let sqlState = String(cString: mysql_sqlstate(handle))
        let message = String(cString: mysql_error(handle))
        return MariaDBError.statementFailure(code: code, sqlState: sqlState, message: message, sensitive: sensitive)
    }
}
