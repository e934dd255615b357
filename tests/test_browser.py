"""A real browser: headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium) against the session's gunicorn, with the network off except loopback (host names do
not resolve, and every connection goes through a proxy address that refuses, except to
127.0.0.1). One Chromium for every page kind: home, query (each result view), place, country,
agreement, source, ontology, search. Each test asserts what the page draws — the map's land
outlines (SVG paths of Natural Earth countries), great-circle arcs, timeline marks — and that
the browser console has no error (a failed request, a script error, a CSP violation).
Screenshots are saved under test-artifacts/ (git-ignored)."""

from __future__ import annotations

import json
import shutil
import tempfile
from urllib.parse import urlencode

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = ROOT / "test-artifacts"


def _assets_missing() -> str | None:
    from endpoint.vendor import maps_available, yasgui_available

    if not (maps_available() and yasgui_available()):
        return "needs the npm front-end packages in var/node ('make assets'; make test runs it)"
    return None


pytestmark = [
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                       reason="needs chromium and chromium-driver (.ci/run installs them)"),
    pytest.mark.skipif(_assets_missing() is not None, reason=str(_assets_missing())),
]


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
                 "--window-size=1280,1000", f"--user-data-dir={profile}",
                 # the network off except loopback: no name resolves, and every connection
                 # not to 127.0.0.1 goes to a proxy port where nothing listens
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                 "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
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


def count(driver, css: str) -> int:
    return int(driver.execute_script(
        "return document.querySelectorAll(arguments[0]).length", css))


def open_page(driver, url: str) -> None:
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def no_console_errors(driver, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors


def drawn_map(driver, figure: str, land: int = 20) -> int:
    """Wait until *figure*'s map is drawn; assert it has more than *land* country outlines;
    return its number of arcs."""
    wait(driver, lambda d: count(d, f"{figure} svg path.land") > land)
    assert count(driver, f"{figure} svg text.place-label") >= 1
    return count(driver, f"{figure} svg path.arc")


def test_the_browser_cannot_leave_loopback(browser) -> None:
    """The flags hold: a page on another host does not load (the connection goes to the
    refusing proxy port on 127.0.0.1, and no name resolves)."""
    from selenium.common.exceptions import WebDriverException

    with pytest.raises(WebDriverException, match="ERR_"):
        browser.get("http://example.org/")


def test_home_page_links_to_what_a_researcher_needs(browser, server: str) -> None:
    open_page(browser, f"{server}/")
    assert "c2c" in browser.title
    links = {a.get_attribute("pathname") for a in
             browser.find_elements("css selector", "header.site nav a")}
    assert links == {"/", "/query", "/search", "/ont", "/dumps/latest/"}
    assert count(browser, "#countries a[href^='/id/country/']") >= 5
    assert count(browser, ".gallery-list a[href^='/query?query=']") >= 17
    no_console_errors(browser, "home")


def test_place_page_map_partners_and_timeline(browser, server: str) -> None:
    open_page(browser, f"{server}/id/city/cn-harbin")  # follows the 303
    assert browser.current_url.endswith("/doc/city/cn-harbin")
    partners = browser.find_elements("css selector", "#partners a.partner")
    # Yekaterinburg, Khabarovsk, Asahikawa, Yakutsk, Sunderland, Murmansk, Vladivostok
    assert len(partners) == 7
    arcs = drawn_map(browser, "#place-map")
    assert arcs == len(partners)
    assert {a.get_attribute("data-partner") for a in
            browser.find_elements("css selector", "#place-map path.arc")} == \
        {a.get_attribute("href").replace(server + "/id/", "https://w3id.org/c2c/id/")
         for a in partners}
    dates = [row.find_element("css selector", "td").text
             for row in browser.find_elements("css selector", "#partners tr")[1:]]
    assert dates == sorted(dates)  # by date (all seven are dated)
    wait(browser, lambda d: count(d, "#place-timeline svg circle.mark") == 7)
    assert count(browser, "#place-map .legend text") >= 2  # one per policy period
    sources = browser.find_elements("css selector", "#partners a.source")
    assert sources and not any(s.text.startswith("http") for s in sources)  # titles, not IRIs
    assert "searchKey" not in browser.find_element("css selector", "#statements").text
    assert count(browser, "#incoming a") >= 1
    no_console_errors(browser, "place-harbin")


def test_country_page_all_partnerships_by_period(browser, server: str) -> None:
    open_page(browser, f"{server}/doc/country/cn")
    assert not browser.find_elements("css selector", "#partners-heading")
    arcs = drawn_map(browser, "#country-map")
    assert arcs > 20
    marks = count(browser, "#country-timeline svg circle.mark")
    assert marks == count(browser, "#timeline li.timeline-agreement") > 20
    first = browser.find_element("css selector", "#timeline li.timeline-agreement").text
    assert " – " in first  # both parties named, "1988: Shanghai – Saint Petersburg …"
    assert count(browser, "#country-timeline svg g.lane") >= 2
    no_console_errors(browser, "country-cn")


def test_agreement_page(browser, server: str) -> None:
    open_page(browser, f"{server}/doc/agreement/cn-harbin--ru-murmansk")
    assert "Twinned with" not in browser.page_source
    groups = [g.get_attribute("id") for g in
              browser.find_elements("css selector", "#statements tbody.statement-group")]
    assert "group-relationships" in groups and "group-sources" in groups
    assert "Sputnik, 2016-09-09" in browser.find_element("css selector", "#statements").text
    no_console_errors(browser, "agreement")


def test_source_page(browser, server: str) -> None:
    open_page(browser, f"{server}/doc/source/cn-ru-friendship-cities-2004")
    assert "Twinned with" not in browser.page_source
    assert count(browser, "#incoming a[href^='/id/agreement/']") > 10  # what cites it
    no_console_errors(browser, "source")


def test_ontology_page(browser, server: str) -> None:
    open_page(browser, f"{server}/ont")
    assert count(browser, "#toc a[href^='#']") > 30
    assert browser.find_element("css selector", "#TwinningAgreement")
    no_console_errors(browser, "ontology")


def test_search_page_maps_the_places_found(browser, server: str) -> None:
    open_page(browser, f"{server}/search?q=harbin")
    assert count(browser, "#results a") >= 1
    drawn_map(browser, "#search-map", land=5)
    no_console_errors(browser, "search")


VIEW_QUERY = """# Agreements with both parties located and dated
PREFIX c2c: <https://w3id.org/c2c/ont#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?agreement ?a ?b ?date ?wktA ?wktB WHERE {
  ?agreement a c2c:TwinningAgreement ; c2c:hasParty ?pa , ?pb ; schema:startDate ?date .
  FILTER (STR(?pa) < STR(?pb))
  ?pa rdfs:label ?a ; geo:hasCentroid/geo:asWKT ?wktA . FILTER (LANG(?a) = "en")
  ?pb rdfs:label ?b ; geo:hasCentroid/geo:asWKT ?wktB . FILTER (LANG(?b) = "en")
} ORDER BY ?date LIMIT 15"""

CHART_QUERY = """# Agreements per agreement type
PREFIX c2c: <https://w3id.org/c2c/ont#>
SELECT ?type (COUNT(?agreement) AS ?agreements) WHERE {
  ?agreement a c2c:TwinningAgreement ; c2c:agreementType ?type .
} GROUP BY ?type ORDER BY DESC(?agreements)"""


@pytest.mark.parametrize("view,query", [("table", VIEW_QUERY), ("map", VIEW_QUERY),
                                        ("timeline", VIEW_QUERY), ("chart", CHART_QUERY)])
def test_query_page_result_views_from_a_permalink(browser, server: str, view: str,
                                                  query: str) -> None:
    link = f"{server}/query#" + urlencode({"query": query, "view": view})
    open_page(browser, link)
    if view == "table":
        rows = wait(browser, lambda d: d.find_elements("css selector", ".yasr table tbody tr"))
        assert len(rows) == 15
    elif view == "map":
        assert drawn_map(browser, ".yasr figure.map", land=30) == 15
    elif view == "timeline":
        wait(browser, lambda d: count(d, ".yasr figure.timeline svg circle.mark") == 15)
    else:
        wait(browser, lambda d: count(d, ".yasr figure.chart svg rect.bar") >= 2)
    # the tab is named after the query's title, and the address is a permalink to it
    assert browser.execute_script("return yasgui.getTab().getName()").startswith(
        query.splitlines()[0][2:][:20])
    wait(browser, lambda d: "view=" + view in d.current_url)
    no_console_errors(browser, f"query-{view}")


def test_query_page_gallery_parses_and_tabs_survive_a_reload(browser, server: str) -> None:
    open_page(browser, f"{server}/query")
    wait(browser, lambda d: d.find_elements("css selector", ".yasqe .CodeMirror"))
    examples = json.loads(browser.find_element("css selector", "#examples")
                          .get_attribute("textContent"))
    assert len(examples) >= 17
    for example in examples:  # every example parses without errors in YASGUI
        errors = browser.execute_script(
            "const y = yasgui.getTab().getYasqe(); y.setValue(arguments[0]);"
            "y.checkSyntax && y.checkSyntax(); return y.queryValid;", example["text"])
        assert errors is True, example["name"]
    browser.find_element("css selector", "button.open[data-index='11']").click()
    wait(browser, lambda d: d.find_elements("css selector", ".yasr table tbody tr"))
    name = browser.execute_script("return yasgui.getTab().getName()")
    assert name.startswith("Which places is Harbin")
    open_page(browser, f"{server}/query")
    wait(browser, lambda d: d.find_elements("css selector", ".yasqe .CodeMirror"))
    names = browser.execute_script(
        "return Object.values(yasgui._tabs).map(t => t.getName())")
    assert name in names  # the user's tab is kept across the reload (localStorage)
    no_console_errors(browser, "query-gallery")
