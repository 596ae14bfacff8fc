"""The .deb: lintian-clean, with the dependencies its binaries link, the files a user expects, and an
unpacked app and CLI that run."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from e2e.conftest import app_processes
from harness import workspace_version

# The checked bundle is a debug build (a release build would double CI's time), and debug binaries carry
# their symbols; `make package` ships stripped ones (Cargo.toml's release profile) and runs lintian on its
# .deb with nothing left out. Only that tag is left out here.
DEBUG_ONLY_TAGS = ["unstripped-binary-or-object"]


def _field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "--field", str(deb), name], check=True, capture_output=True,
                          text=True).stdout.strip()


def _owner(library: Path) -> str:
    """The Debian package that owns a library, under any of its names (merged /usr: /lib is /usr/lib)."""
    text = str(library)
    for candidate in (text, str(library.resolve()), text.removeprefix("/usr"), "/usr" + text):
        found = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if found.returncode == 0:
            return found.stdout.split(":")[0]
    return ""


def test_lintian_reports_no_error_and_no_warning(deb: Path) -> None:
    result = subprocess.run(
        ["lintian", "--fail-on", "error,warning", "--suppress-tags", ",".join(DEBUG_ONLY_TAGS), str(deb)],
        capture_output=True, text=True)
    tags = [line for line in result.stdout.splitlines() if re.match(r"^[EW]: ", line)]
    assert result.returncode == 0 and not tags, f"lintian:\n{result.stdout}{result.stderr}"


def test_control_names_the_package_its_version_and_what_it_needs(deb: Path) -> None:
    assert _field(deb, "Package") == "d365-desk"
    assert _field(deb, "Version") == workspace_version()
    assert re.fullmatch(r".+ <[^@\s]+@[^@\s]+>", _field(deb, "Maintainer")), _field(deb, "Maintainer")
    depends = [d.strip() for d in _field(deb, "Depends").split(",")]
    names = {re.split(r"[\s(]", d, maxsplit=1)[0] for d in depends}
    assert {"libc6", "libwebkit2gtk-4.1-0", "libgtk-3-0"} <= names, depends
    assert len(names) == len(depends), f"a package is named twice: {depends}"
    # The keyring is a D-Bus service, not a library the binaries link: a provider is recommended.
    assert "gnome-keyring" in _field(deb, "Recommends")


def test_every_library_the_binaries_link_comes_from_a_dependency(deb: Path, unpacked: Path) -> None:
    """Checked independently of how the list was made: each NEEDED library's owner on this machine."""
    names = {re.split(r"[\s(]", d.strip(), maxsplit=1)[0] for d in _field(deb, "Depends").split(",")}
    owners: dict[str, str] = {}
    for binary in ("d365-desk", "d365"):
        ldd = subprocess.run(["ldd", str(unpacked / "usr" / "bin" / binary)], check=True, capture_output=True,
                             text=True).stdout
        needed = subprocess.run(["objdump", "-p", str(unpacked / "usr" / "bin" / binary)], check=True,
                                capture_output=True, text=True).stdout
        for soname in re.findall(r"NEEDED\s+(\S+)", needed):
            # "libx.so.1 => /lib/.../libx.so.1 (0x...)", or for the loader "/lib64/ld-linux-x86-64.so.2 (0x...)".
            path = re.search(rf"^\s*{re.escape(soname)} => (\S+)", ldd, re.M) or re.search(
                rf"^\s*(\S*/{re.escape(soname)}) \(", ldd, re.M)
            assert path, f"{binary} needs {soname}, which this machine lacks:\n{ldd}"
            owner = _owner(Path(path.group(1)))
            assert owner, f"no package owns {path.group(1)} ({soname}, linked by {binary})"
            owners[soname] = owner
    missing = {soname: owner for soname, owner in owners.items() if owner not in names}
    assert not missing, f"linked but not depended on: {missing}; Depends: {sorted(names)}"


def test_the_package_holds_the_app_the_cli_and_their_documentation(unpacked: Path) -> None:
    usr = unpacked / "usr"
    for path in ["bin/d365-desk", "bin/d365", "share/bash-completion/completions/d365",
                 "share/zsh/vendor-completions/_d365", "share/fish/vendor_completions.d/d365.fish",
                 "share/man/man1/d365.1.gz", "share/man/man1/d365-desk.1.gz",
                 "share/man/man1/d365-connection.1.gz", "share/doc/d365-desk/copyright",
                 "share/doc/d365-desk/changelog.gz", "share/icons/hicolor/128x128/apps/d365-desk.png"]:
        assert (usr / path).is_file(), f"/usr/{path} is not in the package"
    licences = list((usr / "share" / "doc" / "d365-desk").glob("third-party-licences*"))
    assert licences, "the third-party licences are not in /usr/share/doc/d365-desk"
    for binary in ("d365-desk", "d365"):
        assert (usr / "bin" / binary).stat().st_mode & 0o111, f"{binary} is not executable"


def test_the_desktop_entry_is_valid_and_starts_the_app_with_its_icon(unpacked: Path) -> None:
    entries = list((unpacked / "usr" / "share" / "applications").glob("*.desktop"))
    assert len(entries) == 1, entries
    result = subprocess.run(["desktop-file-validate", str(entries[0])], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
    entry = dict(line.split("=", 1) for line in entries[0].read_text().splitlines() if "=" in line)
    assert entry["Exec"].split()[0] == "d365-desk" and entry["Name"] == "D365 Desk"
    assert "Development" in entry["Categories"].split(";")
    assert list((unpacked / "usr" / "share" / "icons").rglob(f"{entry['Icon']}.png")), entry["Icon"]


def test_the_man_pages_render_without_a_warning(unpacked: Path) -> None:
    pages = sorted((unpacked / "usr" / "share" / "man" / "man1").glob("*.1.gz"))
    assert len(pages) > 3, pages
    for page in pages:
        result = subprocess.run(["man", "-l", "--warnings", "-E", "UTF-8", "-P", "cat", str(page)],
                                capture_output=True, text=True, env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"})
        assert result.returncode == 0 and not result.stderr.strip(), f"{page.name}: {result.stderr}"
        assert "NAME" in result.stdout


def test_the_unpacked_cli_says_the_workspace_version(unpacked: Path) -> None:
    result = subprocess.run([str(unpacked / "usr" / "bin" / "d365"), "--version"], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == f"d365 {workspace_version()}"


def test_the_unpacked_app_opens_its_first_screen(app: WebDriver, app_binary: Path, app_home: Path) -> None:
    heading = WebDriverWait(app, 30).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "main h1")))
    assert heading.text == "Connections"
    assert app.find_element(By.CSS_SELECTOR, "[data-testid='connections-empty']").is_displayed()
    version = app.find_element(By.CSS_SELECTOR, "[data-testid='app-version']")
    assert version.text == f"D365 Desk {workspace_version()}"
    # The window is the unpacked binary's: a running process whose executable is that file.
    assert app_processes(app_home, app_binary), f"no running process of {app_binary}"
