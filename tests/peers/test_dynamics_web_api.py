"""Peer fidelity: the npm package dynamics-web-api (v2), unmodified, against the sandbox: paging with
annotations, retrieve, create, If-Match updates (with a 412), upsert by alternate key, delete, a batch
change set, and a change-tracking round. The scenario lives in dynamics-web-api/peer.mjs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "dynamics-web-api"
SEED = "40"


def test_dynamics_web_api_session(start_sandbox: Callable[..., dict[str, str]]) -> None:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "dynamics-web-api").is_dir():
        pytest.fail("node and tests/peers/dynamics-web-api/node_modules are needed (make test-peers installs them)")
    config = start_sandbox("--seed", SEED)
    result = subprocess.run(
        [node, str(HERE / "peer.mjs")],
        env={**os.environ, "SANDBOX_CONFIG": json.dumps(config), "SANDBOX_SEED": SEED},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    print(result.stdout)
    assert result.returncode == 0, f"dynamics-web-api failed:\n{result.stdout}\n{result.stderr}"
