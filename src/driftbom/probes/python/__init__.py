"""Probes of the Python environment: the interpreter, distributions, lockfiles, CUDA."""
