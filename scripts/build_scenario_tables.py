"""Replacement tables of the shipped scenarios (instances/*/scenarios/).

    python scripts/build_scenario_tables.py

writes

- instances/milan/scenarios/areas-5g-everywhere.csv: instances/milan/areas.csv with
  requires_5g = true in every area that a 5G cell (existing or candidate) reaches. Requiring
  5G where no 5G cell reaches would make the instance infeasible, so those areas keep their
  value (the script prints how many). Coverage is the instance's own (derived from geometry,
  docs/propagation.md).
- instances/china/scenarios/regions-2030.csv: instances/china/regions.csv with every grid
  CO2 factor scaled by FACTOR_2030 (below; the assumption and its sources are in
  instances/china/scenarios/README.md).

Only the changed column differs from the base table (rows, other columns and their text are
copied), and rerunning gives the same files.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# China 2030 grid factors. ASSUMPTION: every province's grid CO2 factor falls in proportion to
# the non-renewable share of China's electricity use. Renewables supplied 31.6 % of electricity
# consumption in 2022 (2,700 TWh; National Energy Administration press conference, 13 Feb 2023);
# the NEA's proposed target for 2030 is 40 % (draft guidance, February 2021, reported by the
# South China Morning Post, 10 Feb 2021). Factor: (1 - 0.40) / (1 - 0.316).
RENEWABLE_SHARE_2022 = 0.316
RENEWABLE_SHARE_2030 = 0.40
FACTOR_2030 = (1 - RENEWABLE_SHARE_2030) / (1 - RENEWABLE_SHARE_2022)


def _rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]


def _write(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out.getvalue(), encoding="utf-8")


def milan_5g_everywhere() -> None:
    import optimizer
    base = ROOT / "instances" / "milan"
    out = base / "scenarios" / "areas-5g-everywhere.csv"
    inst = optimizer.load_instance(base)
    cov = inst.coverage.merge(inst.cells[["cell", "tech"]], on="cell")
    reach5 = set(cov[cov.tech == "5g"].area)
    rows = _rows(base / "areas.csv")
    header = [h.strip() for h in rows[0]]
    if "requires_5g" not in header:
        header.append("requires_5g")
        rows = [header] + [r + ["false"] for r in rows[1:]]
    col, key = header.index("requires_5g"), header.index("area")
    changed = kept = 0
    for r in rows[1:]:
        if r[key].strip() in reach5:
            changed += r[col].strip().lower() not in ("true", "1", "yes", "y", "t")
            r[col] = "true"
        else:
            kept += 1
    _write(out, [header] + rows[1:])
    print(f"wrote {out.relative_to(ROOT)}: {len(rows) - 1} areas, {len(reach5)} reached by a 5G "
          f"cell ({changed} newly requiring 5G), {kept} left as they were (no 5G cell in reach)")


def china_grid_2030() -> None:
    base = ROOT / "instances" / "china"
    out = base / "scenarios" / "regions-2030.csv"
    rows = _rows(base / "regions.csv")
    header = [h.strip() for h in rows[0]]
    col = header.index("grid_co2_kg_per_kwh")
    for r in rows[1:]:
        r[col] = f"{float(r[col]) * FACTOR_2030:.4f}"
    _write(out, [header] + rows[1:])
    print(f"wrote {out.relative_to(ROOT)}: {len(rows) - 1} regions, grid factors x "
          f"{FACTOR_2030:.4f}")


if __name__ == "__main__":
    milan_5g_everywhere()
    china_grid_2030()
