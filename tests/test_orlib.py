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


def test_import_replaces_only_its_own_instances(tmp_path):
    # written whole: into an empty or new folder, over an earlier import; never into a
    # folder of the user's own
    from optimizer.solution import OutputError
    src = DATA / "cap41.txt"
    out = import_orlib(src, tmp_path / "cap41")
    (out / "stale.csv").write_text("x\n")
    import_orlib(src, out)
    assert not (out / "stale.csv").exists() and (out / "instance.toml").is_file()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(OutputError):
        import_orlib(src, mine)
    assert (mine / "notes.txt").read_text() == "keep" and not (mine / "instance.toml").exists()
