"""Reference implementations the perf cases time ours against: re-derived from the
official code they name (file, commit), never imported from this harness."""
