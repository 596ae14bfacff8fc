"""Paths shared by the Python test layers."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "target" / "e2e-screenshots"
