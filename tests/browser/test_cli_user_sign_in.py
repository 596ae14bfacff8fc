"""`d365 connection add user` end to end: the CLI opens the system browser ($BROWSER: headless Chromium
driven through the sandbox's sign-in and consent), receives the code on its loopback listener, keeps the
refresh token in the keyring, and verifies with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import SCREENSHOTS

HERE = Path(__file__).parent


def _cli() -> str:
    path = os.environ.get("D365DESK_CLI_BINARY", "")
    if not Path(path).is_file():
        pytest.fail("D365DESK_CLI_BINARY must name the d365 binary (make test-browser sets it)")
    return path


def _browser(tmp_path: Path) -> Path:
    wrapper = tmp_path / "browser.sh"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{HERE / "chromium_sign_in.py"}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def _env(sandbox: dict[str, str], tmp_path: Path, decision: str) -> dict[str, str]:
    return {
        **os.environ,
        "BROWSER": str(_browser(tmp_path)),
        "D365DESK_HOME": str(tmp_path / "home"),
        "SANDBOX_USERNAME": sandbox["username"],
        "SANDBOX_PASSWORD": sandbox["password"],
        "D365DESK_SIGNIN_DECISION": decision,
        "D365DESK_SCREENSHOT": str(SCREENSHOTS / f"cli_user_sign_in_{decision}.png"),
    }


def _add_user(sandbox: dict[str, str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_cli(), "--json", "connection", "add", "user", "--name", "Me", "--instance", sandbox["instance_url"],
         "--client-id", sandbox["public_client_id"], "--tenant", sandbox["tenant_id"], "--authority", sandbox["authority"]],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_user_sign_in_in_the_browser_then_verify(sandbox: dict[str, str], tmp_path: Path) -> None:
    env = _env(sandbox, tmp_path, "accept")
    added = _add_user(sandbox, env)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["added"]["kind"] == "user"
    profiles = (tmp_path / "home" / "profiles.json").read_text()
    assert "refresh" not in profiles.lower(), "the refresh token is in the keyring, not the file"

    verified = subprocess.run([_cli(), "--json", "connection", "verify", "Me"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["verified"]["organization_name"] == "Contoso Sandbox"

    removed = subprocess.run([_cli(), "connection", "remove", "Me"], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert removed.returncode == 0 and "Permissions" in removed.stdout


def test_cancelling_in_the_browser_saves_nothing(sandbox: dict[str, str], tmp_path: Path) -> None:
    added = _add_user(sandbox, _env(sandbox, tmp_path, "cancel"))
    assert added.returncode == 1, added.stdout + added.stderr
    assert json.loads(added.stdout)["error"]["kind"] == "signin.cancelled_in_browser"
    assert not (tmp_path / "home" / "profiles.json").exists()
