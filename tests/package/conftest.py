"""The package layer: the .deb and .rpm `scripts/package.sh debug deb,rpm` built (D365DESK_PACKAGES), read
and unpacked as a user's machine would have them. The unpacked app runs in a real window through the
desktop E2E layer's fixtures, with its binary swapped for the unpacked one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from e2e.conftest import app, app_home, apps, signin_config_file, tauri_driver  # noqa: F401 (fixtures)
from harness import REPO, workspace_version


def _built(kind: str) -> Path:
    folder = Path(os.environ.get("D365DESK_PACKAGES", REPO / "target" / "packages"))
    found = sorted(folder.glob(f"debug-d365-desk*{workspace_version()}*.{kind}"))
    if not found:
        pytest.fail(f"no debug .{kind} of version {workspace_version()} in {folder}: "
                    "run `scripts/package.sh debug deb,rpm` (make test-package does)")
    return found[-1]


@pytest.fixture(scope="session")
def deb() -> Path:
    return _built("deb")


@pytest.fixture(scope="session")
def rpm() -> Path:
    return _built("rpm")


@pytest.fixture(scope="session")
def unpacked(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb's files, as `dpkg-deb -x` lays them out (what dpkg would install under /)."""
    root = tmp_path_factory.mktemp("deb-root")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


@pytest.fixture(scope="session")
def app_binary(unpacked: Path) -> Path:
    """The app the E2E fixtures start: the unpacked package's, not the build tree's."""
    return unpacked / "usr" / "bin" / "d365-desk"
