"""Probes of the machine: the OS and its packages, CPU, memory, GPUs, environment variables."""
