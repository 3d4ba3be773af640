"""What the harness makes of finished runs: every reader of ``summary.json`` files.

- :mod:`.numbers` — the one number formatter (its styles: terminal, baseline, table, paper);
- :mod:`.tables` — ``tables``: one row per run, one column per task metric;
- :mod:`.paper` — ``tables --paper N``: the paper's Table N beside the runs;
- :mod:`.site` — ``report``: a static leaderboard folder;
- :mod:`.check` — ``check``: run summaries against a committed baseline;
- :mod:`.compare` — ``compare``: a paired comparison of two runs of one task;
- :mod:`.rd_curves` — ``rd``: rate-distortion curves and BD-rate of sweep runs.

Nothing here runs a tokenizer except ``compare`` (dataset-level metrics re-finalized on
resampled records) and the site's utilization plot; the CLI (:mod:`benchmarks.cli`)
only parses arguments and prints what these return.
"""
