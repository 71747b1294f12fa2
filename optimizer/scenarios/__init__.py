"""Scenarios: overrides of a base instance, comparisons, baselines and Pareto fronts."""
