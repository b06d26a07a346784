from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture
def original_datadir() -> Path:
    """pytest-regressions reads and writes the committed references here."""
    return REPO / "tests" / "reference"
