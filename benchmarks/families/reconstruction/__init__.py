"""The reconstruction family (Table 1): ``family.py`` (the evaluator), ``rfvd.py`` (the
optional rFVD), ``latency.py`` (how a latency was measured: the clip timed, the machine)."""
