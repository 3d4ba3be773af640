"""YouTube-VIS 2021 and OVIS (one JSON format, two layouts): ``reader.py`` holds both
readers, ``demo.py`` both demo sets."""
