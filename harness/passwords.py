"""Passwords the harness makes, and the registry that keeps every secret
value seen so that what the function printed can be searched for them.

The registry holds values in memory only; it reports counts and file
names, never a value."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ALPHABET = string.ascii_letters + string.digits


def random_password(length: int = 32) -> str:
    """A password nothing registers: for the demo; tests use secrets.new_password."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


class SecretRegistry:
    """Every secret value made or seen, and the log files to search for them."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self.log_files: set[Path] = set()

    def add(self, value: Any) -> None:
        # Shorter strings would match by chance.
        if isinstance(value, str) and len(value) >= 8:
            self._values.add(value)

    def add_from_secret(self, secret: Any) -> None:
        if isinstance(secret, dict):
            for key, value in secret.items():
                if "password" in key.lower():
                    self.add(value)

    def new_password(self, length: int = 32) -> str:
        password = random_password(length)
        self.add(password)
        return password

    def __len__(self) -> int:
        return len(self._values)

    @staticmethod
    def _forms(value: str) -> set[str]:
        # As written raw, and as it appears inside a JSON string.
        return {value, json.dumps(value)[1:-1]}

    def redact(self, text: str) -> str:
        for value in self._values:
            for form in self._forms(value):
                text = text.replace(form, "<redacted>")
        return text

    def leaks(self, paths: Iterable[Path]) -> dict[Path, int]:
        """For each file holding any registered value: how many values it holds."""
        found: dict[Path, int] = {}
        for path in paths:
            try:
                content = Path(path).read_text("utf-8", errors="replace")
            except FileNotFoundError:
                continue
            hits = sum(any(form in content for form in self._forms(value)) for value in self._values)
            if hits:
                found[Path(path)] = hits
        return found

    def count_in(self, paths: Iterable[Path]) -> int:
        """How many (value, file) pairs there are among `paths`."""
        return sum(self.leaks(paths).values())
