"""The perf cases, one module each; a module's ``CASE`` is found by ``discover``."""
