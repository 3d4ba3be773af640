import os
import sys

from benchmarks.cli import main

code = main()
if code == 130:  # Ctrl-C: what is done is on disk; leave at once, without the noise of
    sys.stdout.flush()  # DataLoader helper threads torn down mid-accept
    sys.stderr.flush()
    os._exit(code)
raise SystemExit(code)
