"""OR-Library capacitated warehouse location: published optima through the normal instance path."""
import json
from pathlib import Path

import pytest

import optimizer
from optimizer.instance.orlib import import_orlib, read_cap

DATA = Path(__file__).resolve().parents[1] / "data" / "orlib-cap"
OPTIMA = json.loads((DATA / "optima.json").read_text())


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_published_optimum(name, tmp_path):
    folder = import_orlib(DATA / f"{name}.txt", tmp_path / name)
    inst = optimizer.load_instance(folder)  # the normal path: files -> validation -> model
    sol = optimizer.solve(inst, mip_gap=0.0)
    assert sol.status == "optimal"
    # data/orlib-cap/README.md: energy = published optimum + total demand (IT energy at PUE 1)
    expected = OPTIMA[name] + read_cap(DATA / f"{name}.txt")["demand"].sum()
    assert sol.summary["energy_kwh"] == pytest.approx(expected, rel=1e-6)
    assert sol.summary["dcs_open"] == int(sol.tables["dcs"].open.sum())


def test_bad_file_is_one_line(tmp_path):
    bad = tmp_path / "cap00.txt"
    bad.write_text("3 2\n10 5\n")
    from optimizer import InstanceError
    with pytest.raises(InstanceError) as e:
        read_cap(bad)
    assert e.value.problems[0].startswith("cap00.txt: not an OR-Library")
