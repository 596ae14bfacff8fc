"""Fixtures shared by the Python test layers: the sandbox as a real process.

`make test-browser`, `make test-peers` and `make test-e2e` build `d365-sandbox` and pass its path in
D365DESK_SANDBOX_BINARY; a test asks for `sandbox` (plain HTTP) or `tls_sandbox` (HTTPS, with the run's CA
written to a file that clients trust through their usual settings).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness import REPO


def _binary() -> Path:
    path = Path(os.environ.get("D365DESK_SANDBOX_BINARY", REPO / "target" / "debug" / "d365-sandbox"))
    if not path.is_file():
        pytest.fail(f"the sandbox binary {path} is missing: run `cargo build -p d365-sandbox`")
    return path


@pytest.fixture
def start_sandbox(tmp_path: Path) -> Iterator[Callable[..., dict[str, str]]]:
    """Starts `d365-sandbox` with extra arguments; returns its configuration line (plus `ca_file` with
    --tls). Every sandbox started is stopped with SIGTERM when the test ends, and must exit cleanly."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> dict[str, str]:
        process = subprocess.Popen(
            [str(_binary()), "--listen", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE,
            stderr=open(tmp_path / f"sandbox-{len(processes)}.log", "w"),  # noqa: SIM115 (closed with the process)
            text=True,
        )
        processes.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"d365-sandbox printed no configuration line (exit {process.wait()})")
        config: dict[str, str] = json.loads(line)
        if "ca_certificate" in config:
            ca_file = tmp_path / f"sandbox-ca-{len(processes)}.pem"
            ca_file.write_text(config["ca_certificate"])
            config["ca_file"] = str(ca_file)
        return config

    yield start
    for process in processes:
        process.terminate()
        assert process.wait(timeout=10) == 0, "the sandbox stops cleanly on SIGTERM"


@pytest.fixture
def sandbox(start_sandbox: Callable[..., dict[str, str]]) -> dict[str, str]:
    return start_sandbox()


@pytest.fixture
def tls_sandbox(start_sandbox: Callable[..., dict[str, str]]) -> dict[str, str]:
    return start_sandbox("--tls")
