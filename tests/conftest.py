from pathlib import Path

import pytest
import torch

from pipeline_helpers import ci_command, ci_copy, run_snakemake

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture
def original_datadir() -> Path:
    """pytest-regressions reads and writes the committed references here."""
    return REPO / "tests" / "reference"


@pytest.fixture(scope="session")
def ci_build(tmp_path_factory, repo_root) -> Path:
    """A copy of the repository's files (tracked and untracked, not ignored), built locally at ci scale."""
    dst = ci_copy(repo_root, tmp_path_factory.mktemp("pipeline") / "repo")
    run_snakemake(ci_command("all"), dst)
    return dst


@pytest.fixture
def double_precision():
    """Reference comparisons in float64; restored afterwards so other test modules keep float32."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)
