/// Which of `secrets` appear in what `values` print when an expectation
/// about them fails (their descriptions and reflections): a test of a value
/// that carries credentials asserts this is empty.
public func secretsPrinted(by values: [Any], among secrets: [String]) -> [String] {
    let printed = values.map { String(describing: $0) + String(reflecting: $0) }.joined()
    return secrets.filter { printed.contains($0) }
}
