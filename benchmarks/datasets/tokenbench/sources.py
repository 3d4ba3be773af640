"""Which source video each TokenBench clip was cut from: the reader's cluster key.

``token_bench/video/list.txt`` (NVlabs/TokenBench at
dcbb7d587abe2804da4d23ac46f9caf17f4b641c) names the sources of the 500 clips:

- EgoExo-4D: 200 entries, ``<take>/frame_aligned_videos/aria01_214-1.mp4`` and
  ``<take>/frame_aligned_videos/cam01.mp4`` of 100 takes (:data:`TAKES`): the two camera
  views of one take are one source.
- Panda-70M: 100 CSV rows (one clip each), the first field the YouTube ``videoID``; 53
  videos (:data:`PANDA_VIDEOS`), 27 of them with 2 or 3 clips: the clips of one video are
  one source.
- BDD100K (100 ``.mov`` files, one drive each) and BridgeData V2 (100 trajectory folders):
  each clip is its own source.

The preprocessing script writes ``<domain>_<basename>.mp4`` from the files the user put in
``<dataset>/<domain>/``, and list.txt's paths are nested (every EgoExo-4D file is
``cam01.mp4`` or ``aria01_214-1.mp4``): the basenames are the user's, so no naming
convention is assumed. A clip's source is the one known take (EgoExo-4D) or videoID
(Panda-70M) its name contains as a whole (:func:`source_in_name`); a ``file,source`` CSV
(:func:`read_source_map`) names the sources of clips named otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from pathlib import Path

from benchmarks.datasets.base import DatasetError
from benchmarks.datasets.csv_index import numbered_rows, read_csv, read_header

# list.txt's "### EgoExo-4D" section: the first path component of its 200 entries.
TAKES: frozenset[str] = frozenset((
    "cmu_bike01_2", "cmu_bike01_3", "cmu_bike09_4", "cmu_bike15_1", "cmu_bike18_2",
    "cmu_soccer06_6", "cmu_soccer07_4", "cmu_soccer08_1", "cmu_soccer11_2",
    "cmu_soccer12_2", "cmu_soccer14_3", "fair_bike_01_14", "fair_bike_01_16",
    "fair_bike_01_2", "fair_bike_01_3", "fair_bike_10_4", "georgiatech_cooking_01_03_2",
    "georgiatech_covid_06_11", "georgiatech_covid_09_4", "iiith_cooking_100_6",
    "iiith_cooking_11_1", "iiith_cooking_29_1", "iiith_cooking_55_2", "iiith_cooking_67_6",
    "iiith_cooking_75_2", "iiith_cooking_89_6", "iiith_soccer_028_4", "iiith_soccer_040_6",
    "iiith_soccer_048_4", "iiith_soccer_053_2", "indiana_bike_05_11", "indiana_bike_09_6",
    "indiana_music_01_5", "indiana_music_04_3", "indiana_music_09_5", "indiana_music_13_4",
    "minnesota_rockclimbing_020_10", "minnesota_rockclimbing_020_12",
    "minnesota_rockclimbing_020_16", "minnesota_rockclimbing_020_30",
    "minnesota_rockclimbing_030_24", "nus_cooking_12_3", "nus_cooking_16_2",
    "nus_covidtest_50_1", "nus_covidtest_53_1", "nus_cpr_26_4", "nus_cpr_34_3",
    "nus_cpr_38_2", "nus_cpr_44_4", "sfu_cooking017_2", "sfu_cooking017_8",
    "sfu_cooking022_4", "sfu_cooking022_8", "sfu_cooking023_8", "sfu_cooking028_2",
    "sfu_cooking028_6", "sfu_cooking030_4", "sfu_cooking_008_5", "sfu_cooking_010_3",
    "sfu_cooking_011_3", "sfu_cooking_012_3", "sfu_covid_009_2", "sfu_covid_009_4",
    "sfu_covid_013_4", "unc_basketball_02-24-23_01_20", "unc_basketball_02-24-23_01_29",
    "unc_basketball_03-16-23_01_37", "unc_basketball_03-30-23_01_52",
    "unc_basketball_03-31-23_01_31", "unc_soccer_09-21-23_01_21",
    "unc_soccer_09-21-23_01_26", "unc_soccer_09-21-23_01_33", "unc_soccer_09-21-23_01_4",
    "unc_soccer_09-22-23_01_26", "unc_soccer_09-22-23_02_14", "uniandes_bouldering_013_16",
    "uniandes_bouldering_017_7", "uniandes_bouldering_026_44", "uniandes_bouldering_027_59",
    "uniandes_bouldering_031_71", "uniandes_bouldering_032_34",
    "uniandes_bouldering_032_60", "uniandes_bouldering_034_65", "uniandes_dance_012_47",
    "uniandes_dance_012_6", "uniandes_dance_013_11", "uniandes_dance_013_19",
    "uniandes_dance_017_23", "uniandes_dance_020_52", "utokyo_cpr_2005_25_2",
    "utokyo_cpr_2005_30_2", "utokyo_cpr_2005_36_2", "utokyo_pcr_2001_27_6",
    "utokyo_pcr_2001_29_2", "utokyo_pcr_2001_30_2", "utokyo_pcr_2001_32_2",
    "utokyo_pcr_2001_34_2", "utokyo_pcr_2001_35_6", "utokyo_soccer_8000_46_47_4",
    "utokyo_soccer_8000_46_47_6",
))
# list.txt's "### Panda70M" section: the distinct videoID fields of its 100 rows.
PANDA_VIDEOS: frozenset[str] = frozenset((
    "-6r04gCLMWw", "-BA_ifeRHxs", "-EgW0xV1fsE", "-MiZb4F8mis", "-TfD4eKDfbI",
    "-XPurrmMnJg", "-ZsxlUiiOdI", "-fI-ogq9OC8", "-q7jbZkOa0o", "-qZM-qxiMQk",
    "-tAvY8gW8rU", "-vmdbpEnPik", "0-aFxUUa04o", "0-aW3PKnj8E", "06akl7o7O2s",
    "081ILYBU1pw", "09GG1VGyFsg", "09iAWc3WroQ", "0Ai3dTTGvkc", "0C4oY_6A4co",
    "0G3oIqrJync", "0HujyOjjpZY", "1tUgMixon2w", "1ySlUbU_p_0", "218_U-77XmM",
    "228zX1vL9bY", "22U8P7ZfG8g", "25BOri2peMQ", "28Fx5bVejho", "28hKF2Rhebs",
    "2MvkB0qNPpk", "2Wn6E_Vp-30", "2k_jxJAdGTE", "2m3AG4x2bL8", "2qrAcoaQzDg",
    "2sZRw6a2rT0", "351DxQghbh0", "36k4x2ExEJQ", "38OE63uRI5k", "39Mlhp_z6JA",
    "3Dgpwh5A8R8", "3FHyqjEMsN4", "3FYivm45mjs", "3IIZmiGivRA", "3K8zBpQr4Vc",
    "3Q__bVY6wtk", "3S-7-KeCpNE", "3UD7v_8lPv4", "3VcdJlrUrSw", "3Y8SvZUZ30U",
    "3bLno9ZGFUU", "3cIsikJDcdA", "BeNwloO546Y",
))
# The domains whose clips share sources, and the names their sources go by.
KNOWN_SOURCES: dict[str, frozenset[str]] = {"egoexo4D": TAKES, "panda": PANDA_VIDEOS}
SOURCES_CSV = "sources.csv"  # file,source: read from the TokenBench folder when present
COLUMNS = ("file", "source")


def _pattern(names: Iterable[str]) -> re.Pattern[str]:
    """Any of ``names`` as a whole: neither a letter nor a digit on either side (``_3`` is
    not found in ``_30``; ``_``, ``-`` and ``.`` separate). Longer names first, so where one
    name starts another (``a_3`` and ``a_3_1``) the longer one is the match."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")


_PATTERNS = {domain: _pattern(names) for domain, names in KNOWN_SOURCES.items()}


def source_in_name(name: str, known: Collection[str] | re.Pattern[str]) -> str | None:
    """The one name of ``known`` that ``name`` contains as a whole, else ``None`` (none,
    or two different ones: which is it?).

    Args:
        name: a clip's file name or stem (``egoexo4D_cmu_bike01_2_cam01``).
        known: the source names (:data:`TAKES`, :data:`PANDA_VIDEOS`), or their compiled
            pattern.
    """
    pattern = known if isinstance(known, re.Pattern) else _pattern(known)
    found = {match.group(0) for match in pattern.finditer(name)}
    return found.pop() if len(found) == 1 else None


def known_source(domain: str, stem: str) -> str | None:
    """The release's source of a clip of ``domain`` named ``<domain>_<rest>``: the take or
    videoID in ``rest``; ``None`` for BDD100K and BridgeData V2 (a source per clip) and
    for a name with no (or two) known ones."""
    pattern = _PATTERNS.get(domain)
    return None if pattern is None else source_in_name(stem[len(domain) + 1:], pattern)


def read_source_map(path: Path, clips: Collection[str]) -> dict[str, str]:
    """``file -> source`` from a CSV with the header ``file,source``: ``file`` a clip's
    file name in the TokenBench folder (``egoexo4D_take12_left.mp4``), ``source`` any
    non-empty name its source goes by (clips of one domain naming one source are one
    cluster).

    Raises:
        DatasetError: the file is missing or unreadable, lacks a column, names a file that
            is no clip of ``clips``, names one twice or gives an empty source.
    """

    def parse(reader) -> dict[str, str]:
        _, column = read_header(path, reader, columns=COLUMNS, required=COLUMNS)
        out: dict[str, str] = {}
        width = max(column.values()) + 1
        for line, fields in numbered_rows(reader):
            if len(fields) < width:
                raise DatasetError(path, f"line {line}: {len(fields)} field(s); expected "
                                         f"{','.join(COLUMNS)}")
            file, source = fields[column["file"]].strip(), fields[column["source"]].strip()
            if file not in clips:
                raise DatasetError(path, f"line {line}: {file!r} is no <domain>_<name>.mp4 "
                                         "clip of the TokenBench folder (a file name as "
                                         "listed there, e.g. egoexo4D_<name>.mp4)")
            if file in out:
                raise DatasetError(path, f"line {line}: {file!r} is listed twice")
            if not source:
                raise DatasetError(path, f"line {line}: {file!r} has an empty source")
            out[file] = source
        return out

    return read_csv(path, parse, not_found="no such file (expected a file,source CSV)")
