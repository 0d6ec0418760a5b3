"""The scenario form in Debian's chromium, driven by Playwright, against a real `casashore serve`: the example
scenario built through the forms and tables only (no TOML typed), checked as it is typed, saved, and read back
as the same queues and shifts as examples/casablanca.toml, then run from the dashboard with its charts and its
verdict; the TOML tab both ways; what is greyed is the model's default and nothing else; a stored scenario opens
with its name; the page in French."""

import json
import tomllib
import urllib.request
from pathlib import Path

import pytest

from browser import CHROMIUM, chromium, watched_page
from casashore.domain.shift import ShiftSpec
from casashore.domain.shift_pattern import ShiftPattern
from casashore.domain.site import Link, Site
from casashore.plan.scenario import PlanQueue, PlanSettings, Synthetic, load_plan_scenario
from casashore.schedule.rules import LabourRules
from test_dashboard_browser import server  # noqa: F401 - the real `casashore serve` fixture

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "casablanca.toml"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed "
                                "(apt-get install chromium; .ci/run does it)")
CHOICES = {"layer", "interval_min", "history", "days_off_in_pairs"}
"""The fields the page offers as a list to choose from."""
WAIT_MS = 120_000  # generous: a busy 2-core machine; every wait is for a state, never a fixed time


def put(page, path: str, value) -> None:
    """Type a value into the field the page names ``path`` (a list of groups as the user types it)."""
    field = page.locator(f'[data-path="{path}"]')
    text = ", ".join(value) if isinstance(value, list) else str(value)
    if path.rsplit(".", 1)[-1] in CHOICES:
        field.select_option(text)
    else:
        field.fill(text)


def build_the_example(page) -> None:
    example = tomllib.loads(EXAMPLE.read_text())
    for section in ("site", "link", "plan", "rules"):
        for key, value in example[section].items():
            put(page, f"{section}.{key}", value.isoformat() if key == "start" else value)
    for table in ("queues", "shift_patterns"):
        rows = example[table]
        for i, row in enumerate(rows):
            if i > 0:
                page.click(f"#add-{table}")
            for key, value in row.items():
                if isinstance(value, dict):
                    for inner, v in value.items():
                        put(page, f"{table}[{i}].{key}.{inner}", v)
                else:
                    put(page, f"{table}[{i}].{'groups' if key == 'group' else key}", value)


def test_the_example_built_with_forms_saves_the_same_scenario(server, tmp_path):  # noqa: F811
    with chromium() as browser:
        page = watched_page(browser, "en-GB")
        errors = page.errors
        page.goto(server + "/")
        page.click("#scenario-form-link")
        page.wait_for_selector("#table-shift_patterns tbody tr")
        assert page.locator("#table-queues tbody tr").count() == 1  # one empty row of each to start from

        build_the_example(page)
        page.wait_for_selector('#status[data-state="ok"]', timeout=WAIT_MS)
        assert page.text_content("#status") == "Valid: 70 shifts"
        previews = page.locator("#table-shift_patterns td.preview").all_text_contents()
        assert previews == ["8 shifts", "6 shifts"] * 5

        # A wrong value: its error beside the field, with the CLI's words; then right again.
        put(page, "site.seats", "0")
        page.wait_for_selector('#status[data-state="bad"]', timeout=WAIT_MS)
        seats_error = page.locator('[data-path="site.seats"] + .field-error')
        assert seats_error.text_content().startswith("site.seats: 0 is not valid; expected")
        assert page.get_attribute('[data-path="site.seats"]', "aria-invalid") == "true"
        put(page, "shift_patterns[3].every", "2x")
        page.wait_for_function("document.querySelector('[data-path=\"shift_patterns[3].every\"] + .field-error')"
                               ".textContent.includes('shift_patterns[3].every')", timeout=WAIT_MS)
        assert page.locator("#table-shift_patterns td.preview").nth(3).text_content() == "—"
        put(page, "site.seats", "260")
        put(page, "shift_patterns[3].every", "2h")
        page.wait_for_selector('#status[data-state="ok"]', timeout=WAIT_MS)
        assert seats_error.text_content() == ""

        # Rows come and go.
        page.click("#add-queues")
        assert page.locator("#table-queues tbody tr").count() == 4
        page.locator("#table-queues tbody tr").nth(3).locator("button.remove").click()
        assert page.locator("#table-queues tbody tr").count() == 3
        page.wait_for_selector('#status[data-state="ok"]', timeout=WAIT_MS)

        page.fill("#save-name", "casablanca from the form")
        page.click("#save-scenario")
        page.wait_for_selector("#save-result[data-id]", timeout=WAIT_MS)
        scenario_id = page.get_attribute("#save-result", "data-id")
        stored = urllib.request.urlopen(f"{server}/api/scenarios/{scenario_id}").read()
        (tmp_path / "saved.toml").write_text(json.loads(stored)["toml"])
        saved, example = load_plan_scenario(tmp_path / "saved.toml"), load_plan_scenario(EXAMPLE)
        assert [q.model_dump() for q in saved.queues] == [q.model_dump() for q in example.queues]
        assert [s.model_dump() for s in saved.shifts] == [s.model_dump() for s in example.shifts]
        assert saved.model_dump() == example.model_dump()

        # The TOML tab shows it, and an edit there goes back into the form.
        page.click("#tab-toml")
        page.wait_for_selector('#toml-view[data-state="shown"]', timeout=WAIT_MS)
        text = page.input_value("#toml-text")
        assert "[[shift_patterns]]" in text and "seats = 260" in text
        page.fill("#toml-text", text.replace("seats = 260", "seats = 261"))
        page.click("#apply-toml")
        page.wait_for_selector("#scenario-form:not([hidden])", timeout=WAIT_MS)
        assert page.input_value('[data-path="site.seats"]') == "261"
        assert page.locator("#table-shift_patterns tbody tr").count() == 10
        page.wait_for_selector('#status[data-state="ok"]', timeout=WAIT_MS)

        # The dashboard's run-the-plan list has it: run it, see its charts and, in the kept plans, its verdict.
        page.goto(server + "/")
        page.wait_for_selector("#scenario-list option", state="attached", timeout=WAIT_MS)
        assert "casablanca from the form" in page.locator("#scenario-list").text_content()
        page.select_option("#scenario-list", scenario_id)
        page.click("#run")
        page.wait_for_selector("#plan-table", timeout=240_000)
        page.wait_for_selector("#plan-charts svg.main-svg")
        assert page.locator("#plan-charts .chart").count() == 5
        assert page.get_attribute("#plan-progress", "value") == "6"
        report = page.get_attribute("#plan-summary a", "href")
        assert urllib.request.urlopen(server + report).read().startswith(b"<!doctype html>")
        page.wait_for_function("document.querySelector('#kept-rows .verdict')?.textContent === 'met'",
                               timeout=WAIT_MS)
        assert errors == []


def test_the_form_speaks_french_to_a_french_browser(server):  # noqa: F811
    with chromium() as browser:
        page = browser.new_page(locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        page.goto(server + "/scenario")
        page.wait_for_selector("#table-shift_patterns tbody tr")
        assert page.text_content("#section-shift_patterns legend") == "Modèles de vacations"
        assert page.text_content("#section-queues legend") == "Files"
        assert "Positions" in page.text_content("#section-site")
        assert page.text_content("#add-queues") == "Ajouter une ligne"
        assert page.text_content("#save-scenario") == "Enregistrer le scénario"
        assert "DMT (s)" in page.text_content("#table-queues thead")
        assert page.text_content("#h-shift_patterns-first_start") == "ex. 07:00"
        put(page, "site.seats", "beaucoup")
        page.wait_for_selector('#status[data-state="bad"]', timeout=WAIT_MS)
        assert page.text_content("#status").endswith(" erreurs")  # the empty rows' required fields too
        for key, value in (("name", "jour"), ("groups", "fr"), ("first_start", "07:00"), ("length", "9h"),
                           ("cost", "9")):
            put(page, f"shift_patterns[0].{key}", value)
        page.wait_for_function("document.querySelector('#table-shift_patterns td.preview').textContent === "
                               "'1 vacation'", timeout=WAIT_MS)


MODELS = {"site": Site, "link": Link, "plan": PlanSettings, "rules": LabourRules, "queues": PlanQueue,
          "queues.synthetic": Synthetic, "shift_patterns": ShiftPattern, "shifts": ShiftSpec}
FIELDS = """[...document.querySelectorAll('#scenario-form [data-path]')].filter((el) => el.dataset.kind).map((el) =>
  ({path: el.dataset.path, placeholder: el.placeholder || '', required: el.required,
    empty: el.tagName === 'SELECT' ? el.options[0].textContent : null}))"""


def model_field(path: str):
    """The pydantic field a form's path names (``queues[0].synthetic.weeks``: Synthetic's ``weeks``)."""
    table, _, rest = path.replace("[0]", "").partition(".")
    if rest.startswith("synthetic."):
        table, rest = "queues.synthetic", rest.removeprefix("synthetic.")
    return MODELS[table].model_fields[rest]


def test_only_defaults_are_greyed_and_required_fields_are_marked(server):  # noqa: F811
    with chromium() as browser:
        page = watched_page(browser, "en-GB")
        page.goto(server + "/scenario")
        page.wait_for_selector("#table-shift_patterns tbody tr")
        page.click("#add-shifts")
        fields = page.evaluate(FIELDS)
        assert len(fields) == 7 + 5 + 5 + 10 + 21 + 8 + 6  # queues: 16, and channel with its 4 fields
        for field in fields:
            if field["path"] == "shift_patterns[0].groups":  # group or groups: one of the two is required
                assert field["required"] and field["placeholder"] == ""
                continue
            model = model_field(field["path"])
            default = None if model.is_required() else model.default
            assert field["required"] == model.is_required(), field
            if field["empty"] is not None:  # a list to choose from: its empty choice names the default
                words = {True: "yes", False: "no"}.get(default, default)
                assert field["empty"] == (f"(default: {words})" if default is not None else "(choose)"), field
            elif default in (None, ""):
                assert field["placeholder"] == "", field  # nothing greyed where no value applies
            elif isinstance(default, (int, float)):
                assert float(field["placeholder"]) == default, field
            else:
                assert field["placeholder"] == str(default), field
        # Examples are hints beside the field, in words, never a grey value.
        assert page.text_content("#h-queues-client_time_zone") == "e.g. Europe/Paris"
        assert page.text_content("#h-queues-country") == "e.g. FR; empty: no public holidays"
        assert page.locator("#table-queues thead abbr.required").count() == 5
        # A pattern with one start: "1 shift".
        for key, value in (("name", "day"), ("groups", "fr"), ("first_start", "07:00"), ("length", "9h"),
                           ("cost", "9")):
            put(page, f"shift_patterns[0].{key}", value)
        page.wait_for_function("document.querySelector('#table-shift_patterns td.preview').textContent === "
                               "'1 shift'", timeout=WAIT_MS)
        put(page, "shift_patterns[0].last_start", "08:00")
        page.wait_for_function("document.querySelector('#table-shift_patterns td.preview').textContent === "
                               "'2 shifts'", timeout=WAIT_MS)
        assert page.errors == []


def test_a_stored_scenario_opens_with_its_name(server):  # noqa: F811
    body = json.dumps({"name": "casablanca winter", "toml": EXAMPLE.read_text()}).encode()
    request = urllib.request.Request(server + "/api/scenarios", body, {"Content-Type": "application/json"})
    scenario_id = json.loads(urllib.request.urlopen(request).read())["id"]
    with chromium() as browser:
        page = watched_page(browser, "en-GB")
        page.goto(server + "/scenario")
        page.wait_for_selector(f'#stored-list option[value="{scenario_id}"]', state="attached", timeout=WAIT_MS)
        assert page.input_value("#save-name") == "scenario"
        page.click("#open-stored")
        page.wait_for_function("document.querySelector('#save-name').value === 'casablanca winter'", timeout=WAIT_MS)
        assert page.input_value('[data-path="site.seats"]') == "260"
        assert page.errors == []
