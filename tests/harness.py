"""Paths and facts shared by the Python test layers."""

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "target" / "e2e-screenshots"


def workspace_version() -> str:
    """The product's version: it has one home, the workspace Cargo.toml."""
    return tomllib.loads((REPO / "Cargo.toml").read_text())["workspace"]["package"]["version"]
