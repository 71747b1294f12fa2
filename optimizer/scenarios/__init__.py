"""Scenarios: overrides of a base instance, comparisons, baselines and Pareto fronts."""
from .comparison import compare
from .scenario import Scenario, ScenarioError, load_any, load_scenario, read_scenario

__all__ = ["Scenario", "ScenarioError", "compare", "load_any", "load_scenario", "read_scenario"]
