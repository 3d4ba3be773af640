"""Task YAMLs of the example plug-in: the harness reads every ``*.yaml`` in this folder."""
