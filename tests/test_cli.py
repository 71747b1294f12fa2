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


def test_out_of_range_options_and_senseless_flags_are_refused(small, tmp_path):
    # each is one line and exit 2, before anything is loaded or solved
    cases = [
        (["--mip-gap", "-1"], "--mip-gap must be between 0 and 1 (0.01 = 1 %), got -1.0"),
        (["--mip-gap", "nan"], "--mip-gap must be between 0 and 1 (0.01 = 1 %), got nan"),
        (["--threads", "-3"], "--threads must be at least 1, got -3"),
        (["--time-limit", "0"], "--time-limit must be a positive number of seconds, got 0.0"),
        (["--time-limit", "nan"], "--time-limit must be a positive number of seconds, got nan"),
        (["--seed", "-1"], "--seed must be 0 or more, got -1"),
        (["--workers", "2", "--strategy", "monolithic"], "--workers needs --strategy auto or parts"),
        (["--scheduler", "tcp://127.0.0.1:1", "--strategy", "monolithic"],
         "--scheduler needs --strategy parts or auto"),
        (["--strategy", "periods"], "--strategy must be auto, monolithic or parts"),
        (["--work", "10", "--time-limit", "5"], "--work and --time-limit exclude each other"),
        (["--work", "10", "--strategy", "monolithic"], "--work needs --strategy auto or parts"),
        (["--format", ","], "--format: no format given"),
    ]
    for flags, expect in cases:
        r = run("solve", small, "--out", tmp_path / "o", *flags)
        assert r.returncode == 2, (flags, r.stderr)
        assert r.stderr.startswith(f"netopt: {expect}"), (flags, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_out_under_a_file_is_refused_before_solving(small, tmp_path):
    (tmp_path / "f").write_text("x")
    r = run("solve", small, "--out", tmp_path / "f" / "sub")
    assert r.returncode == 2
    assert r.stderr.strip() == f"netopt: {tmp_path / 'f' / 'sub'}: cannot be created: {tmp_path / 'f'} is not a folder"
    assert "netopt: build" not in r.stderr


def test_results_folder_mode_follows_the_umask(small, tmp_path):
    import os
    import stat
    out = tmp_path / "o"
    assert run("solve", small, "--out", out, "--no-baseline").returncode == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask


def test_generate_refuses_what_it_did_not_write(tmp_path):
    (tmp_path / "afile").write_text("x")
    r = run("generate", tmp_path / "afile", "--sites", "3")
    assert r.returncode == 2 and r.stderr.strip() == f"netopt: {tmp_path / 'afile'}: exists and is not a folder; not replaced"
    mine = write_instance(tmp_path / "mine", SMALL_TOML, **small_tables())
    r = run("generate", mine, "--sites", "3")
    assert r.returncode == 2 and "holds an instance this command did not write" in r.stderr
    assert (mine / "coverage.csv").exists()
    r = run("generate", tmp_path / "g", "--sites", "1")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    # a generated instance is replaced whole: no file of the older one stays behind
    assert run("generate", tmp_path / "g", "--sites", "4", "--hours", "2").returncode == 0
    (tmp_path / "g" / "coverage.csv").write_text("cell,area,link_mbps\n")
    assert run("generate", tmp_path / "g", "--sites", "5", "--hours", "2").returncode == 0
    assert not (tmp_path / "g" / "coverage.csv").exists()
    assert run("validate", tmp_path / "g").returncode == 0


def test_bench_sizes_checked():
    for sizes in ("abc", "1", ""):
        r = run("bench", "--sizes", sizes)
        assert r.returncode == 2 and "Traceback" not in r.stderr, (sizes, r.stderr)
        assert "--sizes must" in r.stderr


def test_solve_with_a_work_limit_reports_progress_and_the_work(tmp_path):
    """--work: the plan, bound and gap on stderr as they improve (plain lines when stderr is
    not a terminal), and the limit in summary.json."""
    out = tmp_path / "out"
    tiny = Path(__file__).resolve().parents[1] / "instances" / "tiny"
    r = run("solve", tiny, "--out", out, "--work", "50")
    assert r.returncode == 0, r.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["work_limit"] == 50 and s["status"] == "optimal"
    assert abs(s["objective"] - 8884.8) < 1e-6  # instances/tiny/README.md
    lines = [x for x in r.stderr.splitlines() if x.startswith("netopt: ")]
    assert any(x.startswith("netopt: prepare") for x in lines)
    assert any("plan " in x and "bound " in x and "gap " in x for x in lines)
