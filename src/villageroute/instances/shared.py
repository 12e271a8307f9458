"""Where the benchmark instances live: ``../shared/data/instances`` beside the repository."""

from __future__ import annotations

from pathlib import Path


def instances_dir() -> Path:
    """``../shared/data/instances`` beside the project's root (it may be absent)."""
    return Path(__file__).resolve().parents[4] / "shared" / "data" / "instances"
