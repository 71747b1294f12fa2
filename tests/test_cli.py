"""The netopt command, run as a real process."""
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SMALL_TOML, small_tables, write_instance

NETOPT = [str(Path(sys.executable).with_name("netopt"))]


def run(*args, cwd=None):
    return subprocess.run(NETOPT + [str(a) for a in args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_validate_ok_and_summary(small):
    r = run("validate", small)
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout and "cells: 2" in r.stdout


def test_validate_bad_instance_one_line_per_problem(tmp_path):
    t = small_tables()
    t["cells"] = t["cells"].replace("100,300", "-100,300")
    folder = write_instance(tmp_path / "bad", SMALL_TOML, **t)
    r = run("validate", folder)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert any("cells.csv: row 2 (c4): column capacity_mbps: must be > 0" in x for x in lines)
    assert lines[-1].startswith("netopt: ") and "nothing was solved" in lines[-1]


def test_solve_writes_results_and_exit_codes(small, tmp_path):
    out = tmp_path / "out"
    r = run("solve", small, "--out", out, "--objective", "carbon", "--mip-gap", "0",
            "--time-limit", "30", "--threads", "1", "--format", "csv,parquet")
    assert r.returncode == 0, r.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "optimal" and s["objective_kind"] == "carbon"
    assert (out / "cells.parquet").exists() and (out / "cells.csv").exists()
    assert "optimal" in r.stdout


def test_solve_default_out_is_results_name(small, tmp_path):
    r = run("solve", small, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "results" / "small" / "summary.json").exists()


def test_solve_infeasible_exits_nonzero_with_reason(tmp_path):
    t = small_tables()
    t["demand"] = t["demand"].replace("a1,1,40", "a1,1,80")
    folder = write_instance(tmp_path / "inf", SMALL_TOML + "[ran]\nmax_new_cells = 0\n", **t)
    r = run("solve", folder, "--out", tmp_path / "o")
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert "infeasible" in last and "area a" in last
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["status"] == "infeasible"


def test_bad_option_is_one_line(small, tmp_path):
    r = run("solve", small, "--objective", "speed", "--out", tmp_path / "o")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--objective must be one of" in r.stderr
    assert not (tmp_path / "o").exists()  # no half-written results folder


def test_info_and_generate(tmp_path):
    r = run("generate", tmp_path / "g", "--sites", "12", "--seed", "3")
    assert r.returncode == 0, r.stderr
    r = run("info", tmp_path / "g", "--build")
    assert r.returncode == 0, r.stderr
    info = dict(line.split(": ", 1) for line in r.stdout.strip().splitlines())
    assert int(info["sites"]) == 12
    assert int(info["built_binaries"]) == int(info["binaries_estimated"])


def test_out_never_replaces_a_folder_the_planner_did_not_write(tmp_path, small):
    mine = tmp_path / "mydata"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious")
    r = run("solve", small, "--out", mine, "--no-baseline")
    assert r.returncode == 2
    assert r.stderr.strip() == (f"netopt: {mine}: exists and is not an output folder of netopt "
                                "(no summary.json); not replaced: choose another --out or empty it")
    assert (mine / "notes.txt").read_text() == "precious"
    afile = tmp_path / "afile"
    afile.write_text("x")
    r = run("solve", small, "--out", afile, "--no-baseline")
    assert r.returncode == 2 and "exists and is not a folder" in r.stderr
    # a results folder of an earlier run is replaced whole, and an empty folder is used
    out = tmp_path / "res"
    assert run("solve", small, "--out", out, "--no-baseline").returncode == 0
    (out / "stale.csv").write_text("old")
    assert run("solve", small, "--out", out, "--no-baseline").returncode == 0
    assert not (out / "stale.csv").exists() and (out / "summary.json").is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("solve", small, "--out", empty, "--no-baseline").returncode == 0
