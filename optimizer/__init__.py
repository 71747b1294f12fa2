"""netopt: least-energy plans for mobile networks and data centres.

>>> import optimizer
>>> inst = optimizer.load_instance("instances/tiny")      # doctest: +SKIP
>>> sol = optimizer.solve(inst, mip_gap=0.0)              # doctest: +SKIP
>>> sol.summary["energy_kwh"], sol.tables["cells"].head() # doctest: +SKIP
"""
from .instance import Instance, InstanceError, instance_from_frames, load_instance
from .solution import Solution


def __getattr__(name):
    # the solver stack (Pyomo, highspy) loads on first use, so that reading instances and
    # writing reports from result files never imports it
    if name == "solve":
        from .solve import solve
        return solve
    raise AttributeError(f"module 'optimizer' has no attribute {name!r}")


__all__ = ["Instance", "InstanceError", "Solution", "instance_from_frames", "load_instance",
           "solve"]
