"""A real browser: headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium) against a real gunicorn. Loads the home page, runs a query in the query page and
sees results, opens a city page and finds the map with one line per partner and the sources.
Screenshots are saved under test-artifacts/ (git-ignored)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="c2c-chromium-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver, condition, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def test_query_page_runs_a_query_and_shows_results(browser, server: str) -> None:
    from selenium.webdriver.common.by import By

    from endpoint.app import yasgui_available

    browser.get(f"{server}/")
    assert "c2c" in browser.title
    if not yasgui_available():  # no npm: the plain form is the query page
        browser.find_element(By.CSS_SELECTOR, "form[action='/sparql'] button").click()
        wait(browser, lambda d: "results" in d.page_source)
        browser.save_screenshot(str(ARTIFACTS / "query-page.png"))
        return
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".yasqe .CodeMirror"))
    browser.execute_script(
        "const tab = yasgui.getTab(); tab.getYasqe().setValue(arguments[0]);",
        "PREFIX c2c: <https://w3id.org/c2c/ont#> "
        "SELECT ?a ?b WHERE { ?a c2c:twinnedWith ?b } LIMIT 7")
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    rows = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr"))
    browser.save_screenshot(str(ARTIFACTS / "query-page.png"))
    assert len(rows) == 7
    assert "cn-" in browser.find_element(By.CSS_SELECTOR, ".yasr table").text or \
        "city" in browser.find_element(By.CSS_SELECTOR, ".yasr table").text
    tab_names = browser.execute_script(
        "return Object.values(yasgui.persistentConfig.persistedJson.tabConfig)"
        ".map(t => t.name)")
    assert any(name.startswith("cq01") for name in tab_names)


def test_city_page_has_the_map_and_sources(browser, server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/id/city/cn-harbin")  # follows the 303 to /doc/city/cn-harbin
    assert browser.current_url.endswith("/doc/city/cn-harbin")
    partners = browser.find_elements(By.CSS_SELECTOR, "#partners a.partner")
    lines = browser.find_elements(By.CSS_SELECTOR, "svg#map line.partner-line")
    assert len(partners) >= 2
    assert len(lines) == len(partners)
    assert {line.get_attribute("data-partner") for line in lines} == \
        {a.get_attribute("href").replace(server + "/id/", "https://w3id.org/c2c/id/")
         for a in partners}
    sources = browser.find_elements(By.CSS_SELECTOR, "#statements a.source")
    assert sources and all("/id/source/" in s.get_attribute("href") for s in sources)
    browser.save_screenshot(str(ARTIFACTS / "city-page.png"))
    assert Path(ARTIFACTS / "city-page.png").stat().st_size > 10_000
