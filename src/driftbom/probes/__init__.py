"""Probes: one module per layer of the environment."""
