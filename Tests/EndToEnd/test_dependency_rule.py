"""The dependency rule, checked: the shipped binary links only the toolchain's
own libraries and libmariadb, libcurl and libcrypto/libssl (statically, from
Debian's -dev packages, with what Debian built those against); the Swift sources use FoundationEssentials, never
Foundation (which would bring swift-corelibs-foundation and ICU, ~40 MB).

The allowed set is not a hand list. It is read off this machine:
  * the three libraries are the runtime files behind the linker names that
    the -dev packages package.sh installs ship (libmariadb.so, libcurl.so,
    libssl.so, libcrypto.so), and each library's own ldd closure comes with it;
    Connector/C's authentication plugins, from the package that owns
    libmariadb, and their closures too;
  * the toolchain's own: the C runtime (the packages owning libc.so.6 and
    libgcc_s.so.1: glibc's loader, libm, libpthread...) and the Swift
    runtime libraries of the compiler on PATH (swiftc -print-target-info),
    less Foundation, its ICU and the test frameworks.
Checked: .build/release/rotator (ldd, and the three libraries' own text in
it) and the zip (its rotator's and
plugins' DT_NEEDED, and every library it ships).

The same idea as swift-aws-lambda-runtime's check-link-foundation.sh, which
looks for libFoundation in ldd's output; here the rule is an allow-list, and
the static Swift runtime is checked through the object files' autolink entries
(a statically linked Foundation leaves no trace in ldd).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from functools import cache
from pathlib import Path

import pytest

from harness import REPO_ROOT

C_LIBRARY_DEV_PACKAGES = ("libmariadb-dev", "libcurl4-openssl-dev", "libssl-dev")
C_RUNTIME_LIBRARIES = ("libc.so.6", "libgcc_s.so.1")
# Swift modules that are Foundation (or need it); FoundationEssentials is not one.
FOUNDATION_MODULES = ("Foundation", "FoundationNetworking", "FoundationXML", "FoundationInternationalization")
# Toolchain libraries the function must not load: Foundation and ICU, and the test frameworks.
NOT_THE_FUNCTIONS = re.compile(r"Foundation(?!Essentials)|ICU|Testing|XCTest")
# Sources that may import Foundation, each with the reason FoundationEssentials does not serve.
FOUNDATION_ALLOWED: dict[str, str] = {}

RELEASE_BINARY = REPO_ROOT / ".build" / "release" / "rotator"
SOURCES = REPO_ROOT / "Sources"


# ---------------------------------------------------------------------------
# Reading ELF files and Debian's package database
# ---------------------------------------------------------------------------

def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def ldd(path: Path) -> dict[str, str]:
    """soname -> resolved path of everything the loader would load for `path`."""
    libraries = {}
    for line in run("ldd", str(path)).splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "=>":
            libraries[parts[0]] = parts[2]
        elif parts and parts[0].startswith("/"):  # the loader, named by its path
            libraries[Path(parts[0]).name] = parts[0]
    libraries.pop("linux-vdso.so.1", None)  # the kernel's, no file
    return libraries


def needed(path: Path) -> set[str]:
    """The DT_NEEDED entries of `path` (what it names itself, not its closure)."""
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run("readelf", "-d", str(path))))


def soname(path: Path) -> str:
    found = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", run("readelf", "-d", str(path)))
    return found.group(1) if found else path.name


def package_files(package: str) -> list[Path]:
    return [Path(line) for line in run("dpkg-query", "-L", package).splitlines() if line.startswith("/")]


def owning_package(path: Path) -> str:
    # Merged /usr: dpkg knows each file under one of its two names.
    text = str(path)
    alias = text.removeprefix("/usr") if text.startswith("/usr/") else "/usr" + text
    for name in (text, alias):
        found = subprocess.run(["dpkg-query", "-S", name], capture_output=True, text=True)
        if found.returncode == 0:  # "libmariadb3:amd64: /usr/lib/x86_64-linux-gnu/libmariadb.so.3"
            return found.stdout.split(":", 1)[0]
    raise AssertionError(f"no Debian package owns {path}")


def shared_objects(files: list[Path]) -> list[Path]:
    return [f for f in files if re.search(r"\.so(\.[0-9]+)*$", f.name) and f.is_file()]


@cache
def allowed() -> dict[str, str]:
    """soname -> why it may be loaded."""
    reasons: dict[str, str] = {}

    def allow(path: Path, why: str) -> None:
        reasons.setdefault(soname(path), why)
        for name in ldd(path):
            reasons.setdefault(name, f"{why} (its dependency)")

    for dev_package in C_LIBRARY_DEV_PACKAGES:
        for link in shared_objects(package_files(dev_package)):
            library = link.resolve()
            allow(library, owning_package(library))
            for plugin in shared_objects(package_files(owning_package(library))):
                if "plugin" in plugin.parts:
                    allow(plugin, f"{owning_package(library)} plugin")
    for name in C_RUNTIME_LIBRARIES:
        package = owning_package(Path(find_library(name)))
        for library in shared_objects(package_files(package)):
            reasons.setdefault(soname(library), f"the C runtime ({package})")
            reasons.setdefault(library.name, f"the C runtime ({package})")
    for directory in swift_runtime_directories():
        for library in Path(directory).glob("*.so"):
            if not NOT_THE_FUNCTIONS.search(library.name):
                reasons.setdefault(library.name, "the Swift runtime")
    return reasons


def find_library(name: str) -> str:
    for line in run("ldconfig", "-p").splitlines():
        parts = line.split()
        if parts and parts[0] == name:
            return parts[-1]
    raise AssertionError(f"{name} is not known to ldconfig")


def swift_runtime_directories() -> list[str]:
    swiftc = shutil.which("swiftc") or "/opt/swift/usr/bin/swiftc"
    info = json.loads(run(swiftc, "-print-target-info"))
    return info["paths"]["runtimeLibraryPaths"]


def not_allowed(names: set[str] | dict[str, str]) -> list[str]:
    return sorted(name for name in names if name not in allowed())


# ---------------------------------------------------------------------------
# Foundation in the sources and in the objects
# ---------------------------------------------------------------------------

FOUNDATION_IMPORT = re.compile(
    r"^\s*(?:@[\w()]+\s+)*import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?"
    rf"({'|'.join(FOUNDATION_MODULES)})(?:\.|\s|$)",
    re.MULTILINE)


def foundation_imports(text: str) -> list[str]:
    return FOUNDATION_IMPORT.findall(text)


def autolinked(obj: Path) -> set[str]:
    """The libraries a Swift object asks the linker for (-lFoundation for `import Foundation`)."""
    dump = subprocess.run(["readelf", "-p", ".swift1_autolink_entries", str(obj)],
                          capture_output=True, text=True).stdout
    return set(re.findall(r"-l(\S+)", dump))


# ---------------------------------------------------------------------------
# The checker catches what it is meant to catch
# ---------------------------------------------------------------------------

def test_the_allowed_set_is_derived_and_holds_only_the_rule():
    names = allowed()
    for library in ("libmariadb.so.3", "libcurl.so.4", "libssl.so.3", "libcrypto.so.3", "libc.so.6",
                    "ld-linux-x86-64.so.2", "libgcc_s.so.1", "libz.so.1"):
        assert library in names, f"{library} should be allowed; the derivation lost it"
    for library in ("libFoundation.so", "lib_FoundationICU.so", "libstdc++.so.6", "libpython3.11.so.1.0",
                    "libXCTest.so"):
        assert library not in names, f"{library} is allowed: the derivation is too wide"


def test_a_library_linking_foundation_is_caught():
    runtime = [Path(d) for d in swift_runtime_directories() if (Path(d) / "libFoundation.so").exists()]
    assert runtime, "no libFoundation.so in the toolchain to check the checker with"
    offending = not_allowed(ldd(runtime[0] / "libFoundation.so"))
    assert "lib_FoundationICU.so" in offending and "libFoundationEssentials.so" not in offending


@pytest.mark.parametrize(("line", "module"), [
    ("import Foundation", "Foundation"),
    ("@preconcurrency import Foundation", "Foundation"),
    ("import struct Foundation.Data", "Foundation"),
    ("  @_exported import FoundationNetworking", "FoundationNetworking"),
    ("import FoundationEssentials", None),
    ("import FoundationEssentialsExtras", None),
    ("// import Foundation would bring ICU", None),
    ("#if canImport(Foundation)", None),
])
def test_the_source_scan_tells_foundation_from_foundation_essentials(line, module):
    assert foundation_imports(f"import Glibc\n{line}\n") == ([module] if module else [])


# ---------------------------------------------------------------------------
# The rule
# ---------------------------------------------------------------------------

def test_no_source_imports_foundation():
    offenders = []
    for source in sorted(SOURCES.rglob("*.swift")):
        relative = str(source.relative_to(REPO_ROOT))
        if foundation_imports(source.read_text()) and relative not in FOUNDATION_ALLOWED:
            offenders.append(relative)
    assert not offenders, (
        f"import Foundation where FoundationEssentials serves: {offenders}; use FoundationEssentials, "
        "or add the file to FOUNDATION_ALLOWED with the reason")
    for relative in FOUNDATION_ALLOWED:
        assert (REPO_ROOT / relative).exists(), f"FOUNDATION_ALLOWED names {relative}, which is gone"


# Text each of the three C libraries carries, so their static copies are seen in the stripped binary:
# curl_easy_strerror's table, OpenSSL_version's text, Connector/C's client name.
STATIC_MARKERS = {"libcurl": b"Couldn't resolve host name", "OpenSSL libcrypto": b"OpenSSL 3",
                  "MariaDB Connector/C": b"MariaDB Connector"}


def test_the_release_binary_links_only_the_allowed_libraries():
    assert RELEASE_BINARY.is_file(), "no .build/release/rotator: run scripts/package.sh (scripts/test.sh does)"
    linked = ldd(RELEASE_BINARY)
    # scripts/package.sh links the three C libraries in statically (docs/performance.md, cold start).
    assert not {"libmariadb.so.3", "libcurl.so.4", "libcrypto.so.3"} & set(linked), sorted(linked)
    binary = RELEASE_BINARY.read_bytes()
    missing = [name for name, marker in STATIC_MARKERS.items() if marker not in binary]
    assert not missing, f"the release binary does not carry {missing}"
    assert not not_allowed(linked), f"the release binary loads libraries outside the rule: {not_allowed(linked)}"


def test_no_object_of_the_release_binary_asks_for_foundation():
    link_list = REPO_ROOT / ".build" / "release" / "rotator.product" / "Objects.LinkFileList"
    assert link_list.is_file(), "no Objects.LinkFileList: run scripts/package.sh (scripts/test.sh does)"
    objects = [Path(line.strip().strip("'\"")) for line in link_list.read_text().splitlines() if line.strip()]
    assert objects and all(obj.is_file() for obj in objects), "the link file list names missing objects"
    requested = {library for obj in objects for library in autolinked(obj)}
    assert "swiftCore" in requested, "no autolink entries read: the check would see nothing"
    foundation = sorted(name for name in requested if NOT_THE_FUNCTIONS.search(name))
    assert not foundation, f"objects of the binary autolink {foundation}"


def test_the_zip_ships_and_links_only_the_allowed_libraries(package_zip, tmp_path):
    root = tmp_path / "function"
    with zipfile.ZipFile(package_zip) as archive:
        archive.extractall(root)
    shipped = [path for path in (root / "lib").rglob("*") if path.is_file()]
    plugins = [path for path in shipped if path.parent.name == "mariadb-plugin"]
    libraries = [path for path in shipped if path not in plugins]
    assert plugins and libraries

    outside = sorted(path.name for path in libraries if path.name not in allowed())
    assert not outside, f"the zip ships libraries outside the rule: {outside}"
    for elf in [root / "rotator", *libraries, *plugins]:
        extra = not_allowed(needed(elf))
        assert not extra, f"{elf.relative_to(root)} needs {extra}, outside the rule"
    mariadb_plugins = {path.name for path in shared_objects(package_files(owning_package(
        Path(find_library("libmariadb.so.3")).resolve()))) if "plugin" in path.parts}
    strays = sorted(path.name for path in plugins if path.name not in mariadb_plugins)
    assert not strays, f"lib/mariadb-plugin holds files that are not Connector/C's plugins: {strays}"
