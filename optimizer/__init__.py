"""netopt: least-energy plans for mobile networks and data centres.

>>> import optimizer
>>> inst = optimizer.load_instance("instances/tiny")      # doctest: +SKIP
>>> sol = optimizer.solve(inst, mip_gap=0.0)              # doctest: +SKIP
>>> sol.summary["energy_kwh"], sol.tables["cells"].head() # doctest: +SKIP
"""
from .instance import Instance, InstanceError, instance_from_frames, load_instance
from .solution import Solution
from .solve import solve

__all__ = ["Instance", "InstanceError", "Solution", "instance_from_frames", "load_instance",
           "solve"]
