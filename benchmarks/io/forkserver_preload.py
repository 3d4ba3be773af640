"""Imported only by the forkserver when it starts (``set_forkserver_preload``): it dies
with the process that started it (see :mod:`benchmarks.io.processes`). Never import it
elsewhere: the import itself sets the parent-death signal of the importing process."""

from benchmarks.io.processes import set_parent_death_signal

set_parent_death_signal()
