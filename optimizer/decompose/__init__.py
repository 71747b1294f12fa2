"""Splitting an instance into independent parts and solving them in parallel."""
