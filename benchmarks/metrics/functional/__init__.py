"""Functional metrics (torch only). Import from ``benchmarks.metrics``."""
