"""Forced and forbidden cells and data centres, scenario files and `netopt compare`."""
import pytest

import optimizer
from optimizer.instance.locks import with_locks
from tests.conftest import ROOT, SMALL_TOML, small_tables, write_instance

TINY = ROOT / "instances" / "tiny"


def energy(inst):
    sol = optimizer.solve(inst, mip_gap=0.0)
    assert sol.status == "optimal", sol.summary
    return sol


# ----------------------------------------------------------------------------- force / forbid

def test_forbidding_the_candidate_gives_plan_b():
    # instances/tiny/README.md: without N5 the best plan is plan B, E4 awake in the day only:
    # 3.14 kW x 2920 h + one E4 wake-up 73 kWh = 9241.8 kWh (plan A with N5: 8884.8).
    sol = energy(with_locks(optimizer.load_instance(TINY), forbidden_cells={"N5"}))
    assert sol.summary["energy_kwh"] == pytest.approx(9241.8)
    assert sol.summary["cells_built"] == 0
    cells = sol.tables["cells"]
    assert cells[cells.cell == "N5"].built.eq(0).all() and cells[cells.cell == "N5"].awake.eq(0).all()
    e4 = cells[cells.cell == "E4"].sort_values("period")
    assert list(e4.awake) == [0, 1, 0]


def test_forbidding_an_existing_cell_retires_it_without_allow_retire():
    # tiny's plan A never wakes E4, which sleeps at 40 W in all three periods. Forbidding E4
    # retires it (allow_retire is false in tiny): plan A stays optimal and saves E4's sleep
    # power, 0.04 kW x 3 periods x 2920 h = 350.4 kWh: 8884.8 - 350.4 = 8534.4 kWh.
    inst = optimizer.load_instance(TINY)
    assert inst.ran.allow_retire is False
    sol = energy(with_locks(inst, forbidden_cells={"E4"}))
    assert sol.summary["energy_kwh"] == pytest.approx(8534.4)
    assert sol.summary["cells_retired"] == 1 and sol.summary["cells_built"] == 1
    e4 = sol.tables["cells"][sol.tables["cells"].cell == "E4"]
    assert e4.built.eq(0).all() and e4.awake.eq(0).all() and e4.power_w.eq(0).all()


def test_forcing_a_candidate_builds_it_and_counts_its_embodied_energy(small):
    # tests/conftest.py small: c4 (existing, covers a0 and a1, 100 Mbps, 300 W + 2 W/Mbps,
    # site overhead 100 W) carries 30 and 90 Mbps alone: (300 + 60 + 100) + (300 + 180 + 100)
    # = 1040 W x 12 h x 365 = 4555.2 kWh; the candidate c5 is not built.
    inst = optimizer.load_instance(small)
    free = energy(inst)
    assert free.summary["energy_kwh"] == pytest.approx(4555.2)
    assert free.summary["cells_built"] == 0
    # Forced, c5 is built and sleeps (awake it would draw 800 W to save c4 at most 2 W/Mbps x
    # 40 Mbps): its sleep power 10 W x 2 periods x 4380 h = 87.6 kWh plus its embodied
    # 100 kWh a year: 4555.2 + 187.6 = 4742.8 kWh.
    forced = energy(with_locks(inst, forced_cells={"c5"}))
    assert forced.summary["energy_kwh"] == pytest.approx(4742.8)
    assert forced.summary["embodied_kwh"] == pytest.approx(100.0)
    assert forced.summary["cells_built"] == 1
    c5 = forced.tables["cells"][forced.tables["cells"].cell == "c5"]
    assert c5.built.eq(1).all() and c5.awake.eq(0).all()


def test_forced_candidates_count_against_max_new_cells(tmp_path):
    t = small_tables()
    folder = write_instance(tmp_path / "lim", SMALL_TOML + "[ran]\nmax_new_cells = 0\n", **t)
    inst = optimizer.load_instance(folder)
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(inst, forced_cells={"c5"})
    assert e.value.problems == ["forced cells: 1 candidate cells are forced but [ran] max_new_cells = 0"]


DC_TOML = """name = "dc2"
[time]
periods = 2
period_hours = 1.0
weight = 1
[datacentre]
interactive_latency_ms = 10
[solver]
mip_gap = 0.0
"""
DC_TABLES = dict(
    regions="region,grid_co2_kg_per_kwh,price_cny_per_kwh\nA,0.8,1.0\nB,0.1,0.5\n",
    datacentres=("dc,region,status,max_it_kw,fixed_kw,pue\n"
                 "dA,A,existing,100,0,1.5\ndB,B,existing,100,0,1.2\ndC,A,candidate,100,10,2.0\n"),
    compute=("region,period,class,it_kw\nA,0,interactive,20\nA,1,interactive,20\n"
             "B,0,batch,40\n"),
    routes=("region,dc,latency_ms,transport_kwh_per_kwh\nA,dA,1,0\nA,dB,30,0.05\n"
            "B,dB,1,0\nB,dA,30,0.05\nA,dC,1,0\nB,dC,30,0.05\n"),
)


@pytest.fixture
def dc2(tmp_path):
    return optimizer.load_instance(write_instance(tmp_path / "dc2", DC_TOML, **DC_TABLES))


def test_forbidding_a_data_centre_moves_its_load(dc2):
    # As in tests/test_datacentre.py: interactive A runs at dA (20 kW x 1.5 x 2 h = 60 kWh),
    # batch B at dB (40 x 1.2 = 48 kWh): 108 kWh; dC (PUE 2, 10 kW fixed) stays closed.
    base = energy(dc2)
    assert base.summary["energy_kwh"] == pytest.approx(108.0)
    assert base.summary["dcs_open"] == 2
    # dB forbidden: the batch goes to dA (30 ms is allowed for batch), 40 x (1.5 + 0.05
    # transport) = 62 kWh -> 122 kWh, 2 kWh of it transport; dB closed, nothing assigned to it.
    sol = energy(with_locks(dc2, forbidden_dcs={"dB"}))
    assert sol.summary["energy_kwh"] == pytest.approx(122.0)
    assert sol.summary["transport_energy_kwh"] == pytest.approx(2.0)
    assert sol.summary["dcs_open"] == 1
    assert "dB" not in set(sol.tables["assignments"].dc)
    assert sol.tables["dcs"].set_index("dc").loc["dB"].open.eq(0).all()


def test_forcing_a_data_centre_opens_it(dc2):
    # dC forced open: its fixed 10 kW for 2 h = 20 kWh; with PUE 2 it takes no load (dA at
    # 1.5 is better for A, dB for B): 108 + 20 = 128 kWh.
    sol = energy(with_locks(dc2, forced_dcs={"dC"}))
    assert sol.summary["energy_kwh"] == pytest.approx(128.0)
    assert sol.summary["dcs_open"] == 3
    assert "dC" not in set(sol.tables["assignments"].dc)


def test_lock_ids_are_checked(dc2, small):
    inst = optimizer.load_instance(small)
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(inst, forced_cells={"c9"})
    assert e.value.problems == ["forced cells: 'c9' is not a cell of the instance"]
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(inst, forced_cells={"c5"}, forbidden_cells={"c5"})
    assert e.value.problems == ["cell 'c5' is both forced and forbidden"]
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(inst, forbidden_dcs={"dA"})
    assert e.value.problems == ["forbidden dcs: the instance has no data-centre part"]
    # forbidding the only cell that reaches a0 is found before any solve
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(inst, forbidden_cells={"c4"})
    assert any("a0" in line and "no cell reaches this area" in line for line in e.value.problems)
    # both data centres within 10 ms of A forbidden: A's interactive compute has nowhere to go
    with pytest.raises(optimizer.InstanceError) as e:
        with_locks(dc2, forbidden_dcs={"dA", "dC"})
    assert any("region A" in line and "10 ms" in line for line in e.value.problems)
    # fields set without with_locks are still checked when the model is built
    with pytest.raises(optimizer.InstanceError):
        optimizer.solve(inst.with_options(forbidden_cells=frozenset({"nope"})))
