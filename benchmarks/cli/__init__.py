"""``python -m benchmarks COMMAND``: a thin shell over :mod:`benchmarks.api` and
:mod:`benchmarks.reporting`, one module per subcommand (:mod:`.app` builds the parser).

Exit codes: see :data:`benchmarks.cli.common.EXIT_CODES`.
"""

from __future__ import annotations

from benchmarks.cli.app import finish, main

__all__ = ["finish", "main"]
