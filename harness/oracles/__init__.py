"""Tables read off botocore, the reference the Swift is checked against: each
module also runs on its own (python3 harness/oracles/NAME.py), as the Swift
tests run them."""
