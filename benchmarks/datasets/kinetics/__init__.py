"""Kinetics-400/600/700: ``reader.py`` (the official layout), ``annotations.py`` (the
annotation CSV, also read by ``score``) and ``demo.py`` (its demo set)."""
