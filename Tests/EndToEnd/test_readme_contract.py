"""The README's "## Errors" table is where the suite learns which errorTypes
the product may report (harness/contract.py); here its reader is checked on
tables of known content, so a change of the README's shape cannot quietly
empty the list."""

from __future__ import annotations

import pytest

from harness.contract import product_error_types, readme_error_table, secrets_manager_error_types

TABLE = """# Title

## Errors

| `errorType` | meaning |
| --- | --- |
| `First` | one |
| `Second`, `Third` | two at once |
| `Passed`, … | a family |
| `Runtime.Dotted` | a dotted name |

## Layout

| `NotAnError` | elsewhere |
"""


def test_the_reader_takes_every_row_of_the_errors_table_and_nothing_else():
    rows = readme_error_table(TABLE)

    assert rows == [(["First"], False), (["Second", "Third"], False), (["Passed"], True),
                    (["Runtime.Dotted"], False)]


def test_a_readme_without_the_table_is_an_error_not_an_empty_list():
    with pytest.raises(ValueError, match="no \"## Errors\" section"):
        readme_error_table("# Title\n\n## Layout\n")
    with pytest.raises(ValueError, match="no"):
        readme_error_table("# Title\n\n## Errors\n\nNo table.\n\n## Layout\n")


def test_the_open_ended_row_brings_in_secrets_managers_own_types(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(TABLE)

    types = product_error_types(readme)

    assert {"First", "Second", "Third", "Passed"} <= types
    assert "InvalidRequestException" in secrets_manager_error_types()
    assert secrets_manager_error_types() <= types
    assert "NotAnError" not in types and "errorType" not in types
