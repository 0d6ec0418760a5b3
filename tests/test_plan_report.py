"""The plan's HTML report, rendered from a real (small) plan: the verdict at the top, the shift table, the daily
summary and the embedded per-interval CSV agree with the plan's numbers; the French report is French throughout;
the same plan gives the same bytes apart from the generation time."""

import base64
import copy
import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from tests.test_plan import SCENARIO
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.plan.result import PlanResult
from casashore.report.i18n import number, percent
from casashore.report.plan_report import figures, render, write_report
from casashore.report.tables import shown_span

TIMESTAMP = re.compile(r"<time id='generated'>[^<]*</time>")


class Page(HTMLParser):
    """Tables by id (rows of (text, class) cells), the visible text (no script or style), links by id."""

    def __init__(self, text: str):
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str]]]] = {}
        self.links: dict[str, dict] = {}
        self.sections: dict[str, dict] = {}
        self.visible: list[str] = []
        self._table = self._cell = None
        self._hidden = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag == "table":
            self._table = self.tables.setdefault(attrs.get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = [attrs.get("class") or "", ""]
        elif tag == "a" and "id" in attrs:
            self.links[attrs["id"]] = attrs
        elif tag == "section":
            self.sections[attrs["id"]] = attrs

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1
        elif tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None:
            self._table[-1].append((self._cell[1], self._cell[0]))
            self._cell = None

    def handle_data(self, data):
        if self._hidden:
            return
        self.visible.append(data)
        if self._cell is not None:
            self._cell[1] += data

    def text(self, table: str) -> list[list[str]]:
        return [[text for text, _ in row] for row in self.tables[table]]


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """One real plan (the CLI, English report), its JSON, and the report of a second run read back from the
    workspace."""
    root = tmp_path_factory.mktemp("plan")
    (root / "site.toml").write_text(SCENARIO.format(seats=60))
    reports = []
    for run in ("first", "again"):
        report = root / f"{run}.html"
        result = CliRunner().invoke(app, ["plan", str(root / "site.toml"), "--workspace", str(root / "ws.duckdb"),
                                          "--report", str(report), "--json"])
        assert result.exit_code == 0, result.output
        reports.append(report.read_text(encoding="utf-8"))
    doc = json.loads(result.stdout)
    assert doc["reused_steps"]  # the second run read the plan back
    return doc, reports


@pytest.fixture(scope="module")
def french(planned, tmp_path_factory):
    path = tmp_path_factory.mktemp("fr") / "site-plan.fr.html"
    write_report(PlanResult.from_json(planned[0]), path, "fr", "Site de test")
    return path.read_text(encoding="utf-8")


def test_the_verdict_is_at_the_top_with_its_reasons(planned):
    plan, (page, _) = planned
    verdict = plan["verdict"]
    parsed = Page(page)
    assert parsed.sections["verdict"]["data-status"] == verdict["status"]
    assert page.index("id='verdict'") < page.index("id='shift-table'") < page.index("Plotly.newPlot")
    status_words = {"met": "Goals met", "at_risk": "Goals at risk", "not_met": "Goals not met"}
    assert status_words[verdict["status"]] in "".join(parsed.visible)
    facts = dict(parsed.text("verdict-facts")[1:])
    assert facts["Requirement covered"] == percent(verdict["coverage"], "en", 1)
    cost = facts["Schedule cost"]
    assert cost.startswith(number(plan["schedule"]["cost"], "en", 1))
    assert f"of a proven lower bound {number(plan['schedule']['bound'], 'en', 1)}" in cost
    assert f"within {percent(plan['schedule']['gap'], 'en', 2)}" in cost
    stopped = {"optimal": "proven optimal", "dive": "constructive dive", "gap": "branch and bound",
               "nodes": "node limit"}[plan["schedule"]["stopped_by"]]
    assert stopped in facts["How the search stopped"]
    # Queue x site day, each cell coloured by its status and giving SL ± half-width vs goal.
    goals = parsed.tables["goals-per-day"]
    days = [d for d in verdict["days"] if d["queue"] == "fr"]
    assert [text for text, _ in goals[0][1:]] == [f"{'MonTueWedThuFriSatSun'[3 * i:3 * i + 3]} {d['day']}"
                                                  for d in days for i in [_weekday(d["day"])]]
    for (text, css), day in zip(goals[1][1:], days, strict=True):
        assert css == day["status"]
        assert text.startswith(f"{percent(day['service_level'], 'en')} ± {percent(day['service_level_ci95'], 'en')}"
                               f" vs {percent(day['goal'], 'en', 0)}")
    rounds = parsed.text("rounds")[1:]
    assert len(rounds) == len(plan["rounds"]) == verdict["rounds"]
    assert "id='uncoverable'" in page or not plan["schedule"]["uncoverable"]


def _weekday(day: str) -> int:
    from datetime import date

    return date.fromisoformat(day).weekday()


def test_the_shift_table_and_daily_summary_match_the_schedule(planned):
    plan, (page, _) = planned
    parsed = Page(page)
    shifts = parsed.text("shift-table")
    counts: dict[str, int] = {}
    for c in plan["schedule"]["counts"]:
        counts[c["shift"]] = counts.get(c["shift"], 0) + c["agents"]
    per_template = {row[0]: int(row[-1].replace(",", "")) for row in shifts[1:-1]}
    assert per_template == counts
    assert shifts[-1][0] == "Total" and int(shifts[-1][-1].replace(",", "")) == sum(counts.values())
    daily = parsed.text("daily-summary")
    assert daily[0] == ["Day", "Calls", "Agents scheduled (shift starts)", "Paid hours (worked that day)",
                        "Service level", "ASA (s)", "Abandoned", "Labour cost"]
    total = daily[-1]
    assert total[0] == "Total" and int(total[2].replace(",", "")) == sum(counts.values())
    assert total[3] == number(plan["schedule"]["paid_hours"], "en", 1)
    assert total[7] == f"{number(plan['sizing']['labour_cost'], 'en')} {plan['sizing']['currency']}"
    forecast_calls = sum(sum(q["calls"]) for q in plan["staffing"]["queues"].values())
    assert total[1] == number(forecast_calls, "en")
    # Each day's service level: the calls-weighted mean of the verdict's queue-days.
    for row in daily[1:-1]:
        judged = [d for d in plan["verdict"]["days"] if row[0].endswith(d["day"])]
        weight = sum(d["calls"] for d in judged)
        assert row[4] == percent(sum(d["calls"] * d["service_level"] for d in judged) / weight, "en")
        assert 0 <= float(row[5].replace(",", "")) < 600  # the day's simulated ASA, in seconds


def test_the_embedded_csv_reads_back_as_the_plans_numbers(planned):
    plan, (page, _) = planned
    link = Page(page).links["interval-csv"]
    assert link["download"].endswith(".csv")
    prefix = "data:text/csv;charset=utf-8;base64,"
    assert link["href"].startswith(prefix)  # in the page: no network, no script
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(link["href"][len(prefix):]).decode("utf-8"))))
    starts, required = plan["staffing"]["starts"], plan["staffing"]["required"]
    # Shown: the plan's days and what its client's days reach (Casablanca on UTC+0 in Ramadan, Paris an hour
    # ahead: from 23:00 the site day before), not the grid's whole first site day of zeros.
    shown = shown_span(PlanResult.from_json(plan))
    assert starts[shown.start] == "2026-03-01T23:00:00" and shown.stop == len(starts)
    left_out = [i for i in range(len(starts)) if i not in shown]
    assert not any(required[g]["calls"][i] or plan["schedule"]["scheduled"][g][i] for g in required for i in left_out)
    assert len(rows) == len(required) * len(shown)
    simulated = {r["interval"]: r for q in plan["simulation"]["queues"] for r in q["intervals"]}
    for k, row in enumerate(rows):
        group, i = list(required)[k // len(shown)], shown[k % len(shown)]
        assert row["group"] == group and row["start"] == starts[i]
        assert float(row["calls"]) == required[group]["calls"][i]
        assert float(row["aht_s"]) == required[group]["aht_s"][i]
        assert float(row["required_before_shrinkage"]) == required[group]["on_phone"][i]
        assert float(row["required_after_shrinkage"]) == required[group]["with_shrinkage"][i]
        assert float(row["required_after_shrinkage_and_rounds"]) == \
            plan["required_after_rounds"][group]["with_shrinkage"][i]
        assert float(row["scheduled"]) == plan["schedule"]["scheduled"][group][i]
        assert float(row["bandwidth_bps"]) == plan["sizing"]["bandwidth_bps"][i]
        level = simulated[i]["service_level"]  # one queue per skill in this scenario
        assert (row["service_level"] == "") if level is None else float(row["service_level"]) == pytest.approx(level)
    assert any(row["service_level"] for row in rows)


def test_the_same_plan_gives_the_same_bytes_apart_from_the_time(planned, tmp_path):
    plan, (first, again) = planned
    assert TIMESTAMP.search(first)
    assert TIMESTAMP.sub("", first) == TIMESTAMP.sub("", again)  # a fresh plan and the plan read back
    for lang in ("en", "fr"):
        a, b = tmp_path / f"a.{lang}.html", tmp_path / f"b.{lang}.html"
        write_report(PlanResult.from_json(plan), a, lang, "Test site")
        write_report(PlanResult.from_json(copy.deepcopy(plan)), b, lang, "Test site")
        assert TIMESTAMP.sub("", a.read_text(encoding="utf-8")) == TIMESTAMP.sub("", b.read_text(encoding="utf-8"))
        # The file is written in pieces as they are made: the page render() makes whole, byte for byte.
        whole = render(PlanResult.from_json(plan), lang, "Test site")
        assert TIMESTAMP.sub("", a.read_bytes().decode("utf-8")) == TIMESTAMP.sub("", whole)
        assert not list(tmp_path.glob("*.partial"))
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", first)  # no random ids
    assert first.count("Plotly.newPlot") == 5 and "id=\"figure-1\"" in first
    assert "<script src=" not in first and first.count("* plotly.js v") == 1  # plotly once, inline
    assert LOCALE not in first


LOCALE = 'Plotly.register({"moduleType": "locale", "name": "fr"'
ENGLISH = re.compile(r"\b(met|at risk|not met|Goals|Schedule|feasible|gap|required|scheduled|Shifts|Daily|Calls|"
                     r"Day|Download|covered|proven|none|Round|voice|goal|Template)\b")


def test_the_french_report_is_french_throughout(planned, french):
    plan = planned[0]
    parsed = Page(french)
    visible = " ".join(parsed.visible)
    assert "lang='fr'" in french
    for words in ("Verdict", "Objectifs", "Besoin couvert", "borne inférieure prouvée", "Vacations",
                  "Synthèse quotidienne", "Télécharger le CSV par intervalle", "Heures payées"):
        assert words in visible
    status = {"met": "atteint", "at_risk": "à risque", "not_met": "non atteint"}
    for row in parsed.tables["goals-per-day"][1:]:
        for text, css in row[1:]:
            assert text.endswith(status[css])
    assert not ENGLISH.findall(visible), ENGLISH.findall(visible)
    daily = parsed.text("daily-summary")
    assert daily[-1][3] == number(plan["schedule"]["paid_hours"], "fr", 1)
    assert re.fullmatch(r"\d{1,3}(\u202f\d{3})*,\d", daily[-1][3])  # 1 234,5
    # The charts: trace names and annotations in French, plotly's French locale registered for dates.
    typed = PlanResult.from_json(plan)
    names = [trace.name for _, figure in figures(typed, "fr") for trace in figure.data]
    notes = [a.text for _, figure in figures(typed, "fr") for a in figure.layout.annotations]
    assert names and not ENGLISH.findall(" ".join(names + notes)), names + notes
    compact = french.replace(": ", ":")  # plotly's JSON engine may escape non-ASCII letters, or not
    assert any(f'"name":{json.dumps("fr requis, après absentéisme (à planifier)", ensure_ascii=ascii_only)}'
               in compact for ascii_only in (True, False))
    assert french.count(LOCALE) == 1
    assert '"locale": "fr"' in french or '"locale":"fr"' in french


def test_a_safety_stop_a_missed_goal_and_uncoverable_intervals_are_shown(planned, tmp_path):
    plan = copy.deepcopy(planned[0])
    day = plan["verdict"]["days"][0]
    day["status"] = "not_met"
    uncoverable = [{"skill": "fr", "start": f"{day['day']}T{time}:00"} for time in ("06:00", "06:30", "22:00")]
    plan["schedule"].update(stopped_by="time_safety", uncoverable=uncoverable)
    plan["verdict"].update(status="not_met", stopped_by="time_safety", reasons=[
        {"reason": "goal_not_met", "days": [f"fr {day['day']}"]}, {"reason": "safety_limit"},
        {"reason": "uncoverable", "intervals": uncoverable}])
    write_report(PlanResult.from_json(plan), tmp_path / "en.html", "en", "Test site")
    write_report(PlanResult.from_json(plan), tmp_path / "fr.html", "fr", "Test site")
    en, fr = Page((tmp_path / "en.html").read_text()), Page((tmp_path / "fr.html").read_text())
    visible = " ".join(en.visible)
    assert en.sections["verdict"]["data-status"] == "not_met" and "Goals not met" in visible
    assert "stopped by the wall-clock safety limit: this result may differ on another machine" in visible
    stopped = [css for row in en.tables["verdict-facts"] for text, css in row if "safety limit" in text]
    assert stopped == ["alarm"]
    assert "Goal missed beyond the simulation's noise on 1 queue-days: fr" in visible
    assert "3 intervals that no allowed shift can cover" in visible
    assert [row[2] for row in en.text("uncoverable")[1:]] == ["06:00–07:00", "22:00–22:30"]
    assert en.tables["goals-per-day"][1][1][1] == "not_met"
    french_text = " ".join(fr.visible)
    assert "limite de sécurité en temps réel" in french_text and "Objectifs non atteints" in french_text
    assert not ENGLISH.findall(french_text) and "wall-clock" not in french_text


def test_coverage_short_of_the_requirement_is_never_shown_as_100_percent():
    from casashore.report.verdict import coverage_text

    assert coverage_text(1.0, "en") == "100.0 %"
    assert coverage_text(0.9996, "en") == "99.96 %"
    assert coverage_text(0.99999, "fr") == "99,999\u00a0%"
    assert coverage_text(0.5, "en") == "50.0 %"


def test_every_chart_shows_the_same_span(planned):
    """The charts' x axes agree (issue 24's trial: forecast to the 13th, coverage to the 14th, service level to
    the 15th, its error bars widening its axis): one range, the intervals the tables show."""
    plan, _ = planned
    typed = PlanResult.from_json(plan)
    shown = shown_span(typed)
    charts = figures(typed, "en")
    assert {tuple(figure.layout.xaxis.range) for _, figure in charts} == {("2026-03-01T23:00:00",
                                                                            "2026-03-04T00:00:00")}
    assert all(len(trace.x) == len(shown) for _, figure in charts[1:] for trace in figure.data)
