"""`casashore growth A.toml B.toml --report`: the scenarios side by side as one HTML file, parsed back: offline
(no network address), names escaped, the charts' series and the tables equal to the --json document's, English
and French, the same bytes twice; opened in Debian's chromium when it is installed."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from browser import CHROMIUM, chromium, watched_page
from casashore.interfaces.cli.app import app
from casashore.report.growth_report import render
from casashore.report.i18n import number, percent
from growth_scenarios import SMALL_PARK

runner = CliRunner()
HOSTILE = "<img src=x onerror=document.title=1>"
"""A scenario's name is its file's name, and a file may be named so: it must stay text."""
AT = datetime(2027, 1, 1, tzinfo=UTC)


class Page(HTMLParser):
    """Tables by id (rows of (text, class) cells), every tag with its attributes, the scripts' texts."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[tuple[str, str]]]] = {}
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._table = self._cell = None
        self._script: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "script":
            self._script = []
        elif tag == "table":
            self._table = self.tables.setdefault(attrs.get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = [attrs.get("class") or "", ""]

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None
        elif tag in ("td", "th") and self._cell is not None:
            self._table[-1].append((self._cell[1], self._cell[0]))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell[1] += data

    def figure(self, div_id: str) -> list[dict]:
        """The traces plotly is given for the chart ``div_id`` (its Plotly.newPlot call's second argument)."""
        for script in self.scripts:
            at = script.find(f'"{div_id}",')
            if at >= 0 and "Plotly.newPlot" in script:
                start = script.index("[", at)
                return json.JSONDecoder().raw_decode(script[start:])[0]
        raise AssertionError(f"no chart {div_id}")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("growth-report")
    base = folder / "base.toml"
    base.write_text(SMALL_PARK, encoding="utf-8")
    hostile = folder / f"{HOSTILE}.toml"
    hostile.write_text(SMALL_PARK.replace("attrition_monthly = 0.04", "attrition_monthly = 0.08")
                       .replace("months = 12", "months = 10"), encoding="utf-8")
    report = folder / "growth.html"
    result = runner.invoke(app, ["growth", str(base), str(hostile), "--json", "--quiet", "--report", str(report)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["report"] == str(report)
    return folder, doc, report.read_text(encoding="utf-8")


def test_the_report_is_self_contained_and_names_stay_text(run):
    _, doc, text = run
    page = Page(text)
    assert [t for t, _ in page.tags].count("img") == 0  # the hostile name made no element
    assert HOSTILE in "".join(page.text)  # it is shown, as text
    assert not [a for t, a in page.tags if t == "script" and "src" in a]  # plotly.js inlined
    assert not [a for t, a in page.tags if t in ("link", "img", "iframe")]
    addresses = [v for _, a in page.tags for k, v in a.items() if k in ("src", "href", "action")]
    assert not [v for v in addresses if re.match(r"\s*(https?:)?//", v or "")]  # nothing loaded from a network
    assert page.scripts[1].startswith("/**") and "plotly.js" in page.scripts[1][:400]
    names = [t["name"] for t in page.figure("figure-1")]
    assert names == ["base", "&lt;img src=x onerror=document.title=1&gt;"]  # plotly shows its entities as text


def test_the_charts_carry_each_scenarios_months(run):
    _, doc, text = run
    page = Page(text)
    base, other = doc["scenarios"]
    assert len(other["months"]) == 10 and len(base["months"]) == 12
    checks = {"figure-1": [("headcount", s) for s in (base, other)],
              "figure-2": [("hires", s) for s in (base, other)],
              "figure-3": [(k, s) for s in (base, other) for k in ("productive_fte", "required_fte")],
              "figure-4": [("short_fte", s) for s in (base, other)],
              "figure-5": [(k, s) for s in (base, other) for k in ("seats_needed", "seats_open")],
              "figure-7": [("service_level", s) for s in (base, other)]}
    for div, series in checks.items():
        traces = page.figure(div)
        assert len(traces) == len(series), div
        for trace, (key, scenario) in zip(traces, series, strict=True):
            assert trace["x"] == scenario["months"]
            assert trace["y"] == [row[key] for row in scenario["summary"]], (div, key)
    margins = page.figure("figure-6")
    expected = [(s["scenario"], c) for s in (base, other) for c in s["contracts"]]
    assert len(margins) == len(expected) == 4
    for trace, (scenario, contract) in zip(margins, expected, strict=True):
        assert trace["name"].startswith("base" if scenario == "base" else "&lt;img")
        assert trace["name"].endswith(contract["client"])
        assert trace["y"] == [r["margin"] for r in contract["months"]]
    # Scenario by colour in the summary charts; client by colour, scenario by dash in the margins'.
    assert page.figure("figure-3")[0]["line"]["color"] == page.figure("figure-3")[1]["line"]["color"]
    assert page.figure("figure-3")[0]["line"]["color"] != page.figure("figure-3")[2]["line"]["color"]
    assert margins[0]["line"]["color"] == margins[2]["line"]["color"]
    assert margins[0]["line"]["dash"] != margins[2]["line"]["dash"]
    # Each contract's level as its term measures it; not simulated and no records: one line each, no band
    levels = page.figure("figure-8")
    assert len(levels) == 4 and not [t for t in levels if t.get("fill")]
    for trace, (_, contract) in zip(levels, expected, strict=True):
        assert trace["y"] == [r["service_level"] for r in contract["months"]]


def test_the_tables_are_the_comparisons(run):
    _, doc, text = run
    page = Page(text)
    comparison = doc["comparison"]
    totals = page.tables["totals"]
    assert [c for c, _ in totals[0]] == ["Figure", "base", HOSTILE, f"{HOSTILE} − base"]
    hires = {r["figure"]: r for r in comparison["totals"]}["hires"]
    assert totals[1] == [("Hires", ""), (number(hires["values"][0], "en"), "num"),
                         (number(hires["values"][1], "en"), "num"),
                         (("+" if hires["differences"][1] >= 0 else "") + number(hires["differences"][1], "en"),
                          "num")]
    headcount = page.tables["differences-headcount"][1:]
    assert [row[0][0] for row in headcount] == comparison["months"]
    months = {r["month"]: r for r in comparison["rows"] if r["figure"] == "headcount"}
    for row in headcount:
        values = months[row[0][0]]["values"]
        assert [c for c, _ in row[1:3]] == [number(v, "en", 1) if v is not None else "—" for v in values]
    # Past the second scenario's ten months: its values and the difference are missing, not zero.
    assert headcount[-1][2:] == [("—", "num"), ("—", "num")]
    first_level = [r for r in comparison["rows"] if r["figure"] == "service_level"][0]
    assert page.tables["differences-service_level"][1][1][0] == percent(first_level["values"][0], "en")
    hiring = page.tables["hiring-1"]
    for plan, row in zip(doc["scenarios"][0]["hiring"], hiring[1:], strict=True):
        short = [m["month"] for m in plan["months"] if m["short_fte"] > 0.005]
        assert row[0][0] == plan["operator"] and row[1][0] == plan["language"]
        assert row[2][0] == number(sum(m["hires"] for m in plan["months"]), "en")
        assert (row[4][1] == "alarm") == bool(short)
        assert row[4][0].startswith(short[0] if short else "none")
    phases = page.tables["phases-1"][1:]
    late = [p for b in doc["scenarios"][0]["buildings"] for p in b["phases"] if p["late"]]
    assert late and [r[1][0] for r in phases if r[5][1] == "alarm"] == [p["phase"] for p in late]
    contracts = page.tables["contracts-2"][1:]
    assert [r[0][0] for r in contracts] == ["Bank", "Telco"]
    assert [c for c, _ in page.tables["contracts-2"][0][-2:]] == ["Months from the records",
                                                                  "Worst simulated month (95 % interval)"]
    assert [r[-2:] for r in contracts] == [[("none", ""), ("—", "")]] * 2


def test_the_simulated_level_is_a_band_around_erlangs(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text(SMALL_PARK.replace("months = 12", "months = 4"), encoding="utf-8")
    report = tmp_path / "sim.html"
    result = runner.invoke(app, ["growth", str(base), "--json", "--quiet", "--simulate", "--replications", "3",
                                 "--report", str(report)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)["scenarios"][0]
    page = Page(report.read_text(encoding="utf-8"))
    traces = page.figure("figure-8")
    assert len(traces) == 4 * len(doc["contracts"])  # low, high (the band), Erlang's, the term's level
    for k, contract in enumerate(doc["contracts"]):
        low, high, erlang, level = traces[4 * k:4 * k + 4]
        rows = contract["months"]
        assert low["y"] == [r["simulated_low"] for r in rows] and high["y"] == [r["simulated_high"] for r in rows]
        assert high["fill"] == "tonexty" and "fill" not in low
        assert erlang["y"] == [r["erlang_service_level"] for r in rows]
        assert level["y"] == [r["service_level"] for r in rows] == [r["simulated_service_level"] for r in rows]
        simulated = [r for r in rows if r["simulated_service_level"] is not None]  # months with contacts
        worst = min(simulated, key=lambda r: r["simulated_service_level"])
        cell = page.tables["contracts-1"][1 + k][-1][0]
        assert cell == (f"{worst['month']}: {percent(worst['simulated_service_level'], 'en')} "
                        f"({percent(worst['simulated_low'], 'en')} – {percent(worst['simulated_high'], 'en')})")


def test_months_from_the_records_are_marked(run):
    # tests/test_growth_history.py checks which months the records give (source); here the report shows them
    _, doc, _ = run
    scenario = json.loads(json.dumps(doc["scenarios"][0]))
    bank = scenario["contracts"][0]
    for row in bank["months"][:2]:
        row["source"] = "actual"
    bank["months"][2]["source"] = "mixed"
    page = Page(render([scenario], doc["comparison"] | {"scenarios": ["base"]}, "en", AT))
    diamonds = [t for t in page.figure("figure-8") if t.get("mode") == "markers"]
    assert len(diamonds) == 1 and diamonds[0]["marker"]["symbol"] == "diamond"
    assert diamonds[0]["y"] == [r["service_level"] for r in bank["months"][:3]] + [None] * 9
    assert page.tables["contracts-1"][1][-2][0] == "2027-01, 2027-02, 2027-03"
    assert page.tables["contracts-1"][2][-2][0] == "none"


def test_french_and_the_same_bytes(run):
    _, doc, _ = run
    english = render(doc["scenarios"], doc["comparison"], "en", AT)
    assert english == render(doc["scenarios"], doc["comparison"], "en", AT)
    french = render(doc["scenarios"], doc["comparison"], "fr", AT)
    page = Page(french)
    assert "<html lang='fr'>" in french and 'Plotly.register({"moduleType": "locale", "name": "fr"' in french
    totals = page.tables["totals"]
    assert totals[0][0][0] == "Indicateur" and totals[1][0][0] == "Recrutements"
    labour = {r["figure"]: r for r in doc["comparison"]["totals"]}["labour_cost"]["values"][0]
    assert totals[2][1][0] == number(labour, "fr") and "\u202f" in totals[2][1][0]  # 4 795 870
    assert "Marge par client (MAD)" in "".join(page.text)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
def test_chromium_draws_the_report_without_running_a_name(run):
    folder, _, _ = run
    with chromium() as browser:
        page = watched_page(browser)
        page.goto((folder / "growth.html").as_uri())
        page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length >= 16",
                               timeout=60_000)
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert page.title().startswith("Growth — base / <img")  # the onerror never ran
        legend = page.locator("#figure-1 .legendtext").all_text_contents()
        assert legend == ["base", HOSTILE]
        assert page.errors == []


def test_report_options_are_checked_before_any_work(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(SMALL_PARK, encoding="utf-8")
    for args, words in ((["--report", str(tmp_path)], "not a directory"), (["--lang", "de"], "one of en, fr")):
        result = runner.invoke(app, ["growth", str(path), *args])
        assert result.exit_code == 2 and words in result.stderr, result.output
