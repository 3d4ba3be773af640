"""``python -m benchmarks report``: a self-contained leaderboard, checked in headless Chromium.

The browser test needs Debian's ``chromium`` and ``chromium-driver`` (``bash
scripts/bootstrap.sh test`` installs them where apt-get can) and selenium; without them it
is skipped, saying which is missing. Its screenshot is kept under the test's tmp dir and
copied to ``results/report-screenshot.png``.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest

import benchmarks
from benchmarks.cli import main
from benchmarks.reporting.site import build_site
from tests.helpers.datasets import write_webvid
from tests.helpers.paths import REPO

SMALL = {"resize_shorter": 32, "crop": 32, "num_workers": 0}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("webvid")
    write_webvid(data, n=3)
    runs = tmp_path_factory.mktemp("runs")
    for tok in ("identity", "avgpool"):
        benchmarks.evaluate("webvid", tok, data_root=data, output=runs, progress=False,
                            examples=1, **SMALL)
    benchmarks.evaluate("webvid", "avgpool", data_root=data, output=runs, progress=False,
                        run_name="avgpool-2", examples=1, limit=2, **SMALL)
    out = tmp_path_factory.mktemp("site")
    build_site(runs, out, utilization_sizes=(32, 64), utilization_clips=1)
    return runs, out


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.refs.append(value)


@pytest.mark.slow
def test_the_folder_is_self_contained(site):
    runs, out = site
    page = (out / "index.html").read_text()
    parser = _Refs()
    parser.feed(page)
    assert parser.refs
    for ref in parser.refs:
        if ref.startswith("#") or ref.startswith("data:"):
            continue
        assert not re.match(r"^[a-z]+:", ref) and not ref.startswith("/"), ref  # no network
        assert (out / ref).is_file(), ref
    for name in ("config.json", "samples.jsonl", "summary.json"):
        assert f'runs/webvid/identity/{name}' in page
    assert "utilization.png" in page and (out / "plots" / "utilization.json").is_file()
    assert len(re.findall(r'<img src="runs/webvid/[^"]+\.png"', page)) >= 3
    assert str(runs) not in page.replace(f"from <code>{runs}</code>", "")


def test_report_cli_refuses_a_missing_folder(tmp_path, capsys):
    assert main(["report", "--runs", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "no such folder" in capsys.readouterr().err


def _sort_keys(driver, table, column: int) -> list:
    values = driver.execute_script(
        "return Array.from(arguments[0].tBodies[0].rows).map("
        "r => r.cells[arguments[1]].getAttribute('data-sort'));", table, column)
    keys = []
    for v in values:
        if v in (None, ""):
            keys.append(None)
            continue
        try:
            keys.append(float(v))
        except ValueError:
            keys.append(v.lower())
    return keys


def _is_sorted(keys: list, *, ascending: bool) -> bool:
    present = [k for k in keys if k is not None]
    if keys[len(present):] != [None] * (len(keys) - len(present)):
        return False  # missing values go last
    nums = [k for k in present if isinstance(k, float)]
    texts = [k for k in present if not isinstance(k, float)]
    if present != nums + texts:
        return False
    return all(part == sorted(part, reverse=not ascending) for part in (nums, texts))


@pytest.mark.slow
def test_page_renders_sorts_and_shows_its_plots_in_chromium(site, tmp_path, monkeypatch):
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("needs Debian chromium and chromium-driver (apt-get install -y chromium "
                    "chromium-driver; scripts/bootstrap.sh test does it where it can)")
    webdriver = pytest.importorskip("selenium.webdriver",
                                    reason="needs selenium (pip install '.[test]')")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    monkeypatch.setenv("SE_OFFLINE", "true")  # selenium-manager must not go online
    _, out = site
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_argument("--window-size=1400,1800")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    try:
        driver.get((out / "index.html").as_uri())
        assert driver.title == "Video tokenizer leaderboard"
        tables = driver.find_elements(By.CSS_SELECTOR, "table.board")
        assert len(tables) == 1  # one task: webvid
        for table in tables:
            headers = table.find_elements(By.CSS_SELECTOR, "thead th")
            assert len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) == 3
            for i, th in enumerate(headers):
                th.click()
                assert th.get_attribute("aria-sort") == "ascending"
                assert _is_sorted(_sort_keys(driver, table, i), ascending=True), th.text
                th.click()
                assert th.get_attribute("aria-sort") == "descending"
                keys = _sort_keys(driver, table, i)
                assert _is_sorted(keys, ascending=False), th.text
            # sorting by psnr really reorders: identity (inf) first when descending
            psnr = next(th for th in headers if th.text.startswith("psnr"))
            psnr.click()
            psnr.click()
            first = table.find_element(By.CSS_SELECTOR, "tbody tr td").text
            assert first.startswith("identity")
        images = driver.find_elements(By.TAG_NAME, "img")
        assert len(images) >= 4
        for img in images:
            loaded = driver.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth;", img)
            assert loaded and loaded > 0, img.get_attribute("src")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        driver.execute_script("window.scrollTo(0, 0);")
        shot = tmp_path / "report-screenshot.png"
        assert driver.save_screenshot(str(shot))
    finally:
        driver.quit()
    assert shot.stat().st_size > 10_000
    (REPO / "results").mkdir(exist_ok=True)
    shutil.copy2(shot, REPO / "results" / "report-screenshot.png")
