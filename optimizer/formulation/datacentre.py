"""Data-centre siting and compute placement (not yet modelled)."""
from __future__ import annotations


def add_datacentre(b, inst, ledger):
    raise NotImplementedError("the data-centre part of the model is not implemented yet")
