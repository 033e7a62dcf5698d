#!/usr/bin/env python3
"""The deployment zip's bill of materials, as CycloneDX 1.5 JSON on stdout.

scripts/package.sh calls it with the staging directory and a list of
"path in the zip<TAB>path on the build machine" lines, one per shipped
shared library. Each library is traced to the Debian package that installed
it (dpkg -S) and that package's version, so a scanner (grype, trivy) can
match the zip against Debian's security tracker; the files each package
contributes are its evidence.occurrences. The binary's statically linked
parts (the Swift standard library, libstdc++) are listed too.

Deterministic: no serial number, no clock; the same files give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

DISTRO = "debian-12"


def candidates(path: str) -> list[str]:
    """The path as dpkg may have recorded it: as given, resolved, with or without /usr (merged /usr)."""
    found = []
    for base in (path, str(Path(path).resolve())):
        found.append(base)
        found.append(base[4:] if base.startswith("/usr/") else "/usr" + base)
    return list(dict.fromkeys(found))


def owning_package(path: str) -> str:
    for candidate in candidates(path):
        result = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            # "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3"
            return result.stdout.splitlines()[0].split(": ", 1)[0]
    raise SystemExit(f"sbom.py: no Debian package owns {path}; cannot list it")


def package_fields(package: str) -> dict[str, str]:
    output = subprocess.run(
        ["dpkg-query", "-W", "-f",
         "${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}", package],
        capture_output=True, text=True, check=True).stdout
    name, version, arch, source, source_version = output.split("\t")
    return {"name": name, "version": version, "arch": arch, "source": source, "source_version": source_version}


def purl(fields: dict[str, str]) -> str:
    """pkg:deb as the purl spec says: the epoch is a qualifier, not part of the version."""
    version = fields["version"]
    qualifiers = [f"arch={fields['arch']}", f"distro={DISTRO}"]
    if ":" in version:
        epoch, version = version.split(":", 1)
        qualifiers.append(f"epoch={epoch}")
    return f"pkg:deb/debian/{fields['name']}@{version}?{'&'.join(sorted(qualifiers))}"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def swift_version() -> str:
    try:
        text = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout
    except OSError:
        return "unknown"
    words = text.split()
    return words[words.index("version") + 1] if "version" in words else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", required=True, type=Path)
    parser.add_argument("--origins", required=True, type=Path)
    parser.add_argument("--static-stdlib", required=True)
    parser.add_argument("--static-archive", action="append", default=[],
                        help="a Debian static library linked into the binary (repeatable)")
    arguments = parser.parse_args()

    files_by_package: dict[str, list[str]] = {}
    for line in arguments.origins.read_text().splitlines():
        if not line.strip():
            continue
        in_zip, on_host = line.split("\t", 1)
        files_by_package.setdefault(owning_package(on_host), []).append(in_zip)

    components = []
    for package in sorted(files_by_package):
        fields = package_fields(package)
        reference = purl(fields)
        files = sorted(set(files_by_package[package]))
        components.append({
            "type": "library",
            "bom-ref": reference,
            "name": fields["name"],
            "version": fields["version"],
            "purl": reference,
            "properties": [
                {"name": "debian:source", "value": fields["source"]},
                {"name": "debian:source_version", "value": fields["source_version"]},
                *({"name": "mysql-rotator:file", "value": name} for name in files),
                *({"name": f"mysql-rotator:sha256:{name}", "value": sha256(arguments.stage / name)} for name in files),
            ],
            "evidence": {"occurrences": [{"location": name} for name in files]},
        })

    # Linked into the binary, so no file of its own: the scanner still needs to know.
    static_packages = dict.fromkeys(owning_package(archive)
                                    for archive in [arguments.static_stdlib, *arguments.static_archive])
    for package in static_packages:
        fields = package_fields(package)
        components.append({
            "type": "library", "bom-ref": purl(fields), "name": fields["name"], "version": fields["version"],
            "purl": purl(fields),
            "properties": [{"name": "debian:source", "value": fields["source"]},
                           {"name": "debian:source_version", "value": fields["source_version"]},
                           {"name": "mysql-rotator:linked-statically-into", "value": "rotator"}],
        })
    swift = swift_version()
    components.append({
        "type": "library", "bom-ref": f"pkg:generic/swift-stdlib@{swift}", "name": "swift-stdlib",
        "version": swift, "purl": f"pkg:generic/swift-stdlib@{swift}",
        "properties": [{"name": "mysql-rotator:linked-statically-into", "value": "rotator"}],
    })

    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        # No timestamp: the document depends on what the zip holds alone.
        "metadata": {
            "component": {"type": "application", "bom-ref": "mysql-rotator", "name": "mysql-rotator",
                          "properties": [{"name": "mysql-rotator:built-on", "value": DISTRO}]},
        },
        "components": components,
        "dependencies": [{"ref": "mysql-rotator", "dependsOn": [c["bom-ref"] for c in components]}],
    }
    json.dump(document, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
