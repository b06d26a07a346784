"""Configuration validation: bad values stop the run with the key's path and a fix."""
import copy

import pytest
import yaml

from fa_repro.config import ConfigError, resolve

SCHEMA = "workflow/schemas/config.schema.yaml"


@pytest.fixture
def raw(repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    return yaml.safe_load((repo_root / "config.yaml").read_text())


@pytest.mark.parametrize("scale", ["quick", "paper", "ci"])
def test_every_scale_resolves(raw, scale):
    cfg = resolve({**raw, "scale": scale}, SCHEMA)
    assert "scales" not in cfg and cfg["scale"] == scale


def test_paper_scale_keeps_the_papers_values(raw):
    cfg = resolve({**raw, "scale": "paper"}, SCHEMA)
    fig4 = cfg["teacher_student"]["refinetti2021_fig4"]
    assert fig4["N"] == 500 and fig4["eta"] == 0.1 and fig4["runs_per_K"] >= 50 and max(fig4["K_values"]) >= 8


@pytest.mark.parametrize("mutate,fragment", [
    (lambda c: c["teacher_student"]["refinetti2021_fig2"].update(N=-5), "teacher_student.refinetti2021_fig2.N"),
    (lambda c: c["ode"].update(rtol=0.5), "ode.rtol"),
    (lambda c: c.update(scale="huge"), "at scale"),
    (lambda c: c["teacher_student"]["refinetti2021_fig3"].update(typo=1), "teacher_student.refinetti2021_fig3"),
    (lambda c: c["scales"]["quick"]["teacher_student"]["refinetti2021_fig2"].update(bogus=3), "scales.quick"),
])
def test_bad_values_name_their_key(raw, mutate, fragment):
    cfg = copy.deepcopy(raw)
    mutate(cfg)
    with pytest.raises(ConfigError) as err:
        resolve(cfg, SCHEMA)
    assert fragment in str(err.value)
