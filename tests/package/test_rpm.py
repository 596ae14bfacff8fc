"""The .rpm, read with rpm itself: its name, version, requirements and files."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness import workspace_version


def _query(rpm: Path, *args: str) -> str:
    return subprocess.run(["rpm", "-qp", *args, str(rpm)], check=True, capture_output=True, text=True).stdout


def test_the_rpm_names_its_version_and_requires_the_libraries_it_links(rpm: Path) -> None:
    assert _query(rpm, "--queryformat", "%{NAME} %{VERSION}") == f"d365-desk {workspace_version()}"
    requires = [r.strip() for r in _query(rpm, "--requires").splitlines() if r.strip()]
    for soname in ("libwebkit2gtk-4.1.so.0()(64bit)", "libgtk-3.so.0()(64bit)", "libc.so.6()(64bit)"):
        assert soname in requires, requires
    # The C library at the version the binaries were linked against, as rpmbuild would require it.
    assert any(r.startswith("libc.so.6(GLIBC_2.") for r in requires), requires
    assert len(set(requires)) == len(requires), f"a requirement is named twice: {requires}"


def test_the_rpm_holds_the_app_the_cli_and_their_documentation(rpm: Path) -> None:
    files = set(_query(rpm, "--list").split("\n"))
    for path in ["/usr/bin/d365-desk", "/usr/bin/d365", "/usr/share/bash-completion/completions/d365",
                 "/usr/share/zsh/site-functions/_d365", "/usr/share/fish/vendor_completions.d/d365.fish",
                 "/usr/share/man/man1/d365.1.gz", "/usr/share/man/man1/d365-desk.1.gz"]:
        assert path in files, f"{path} is not in the rpm"
    assert not any("lintian" in f for f in files), "Debian's lintian overrides have no place in an rpm"
