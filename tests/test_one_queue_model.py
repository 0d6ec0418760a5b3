"""Adding a field to a queue touches one model: the simulator's scenario, the plan scenario and the router's centre
file all take their queues from domain/queue.py's Queue, and none of them re-declares one of its fields with other
validation. The checks compare pydantic's compiled validation (core schemas), not names, so a re-declared
``aht_s`` with other bounds, an added field validator or a hand-copied time-zone check all fail here."""

import json
import os
import shutil
import subprocess
import sys
import typing
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import AfterValidator, BaseModel, Field, ValidationError

from casashore.domain.base import _at_least_a_millisecond
from casashore.domain.queue import Queue
from casashore.plan.scenario import PlanQueue, PlanScenario
from casashore.route.config import CenterConfig, RoutedQueue
from casashore.simulate.inputs import Scenario, SimulatedQueue

REPO = Path(__file__).resolve().parents[1]
LOADED_QUEUES = {PlanScenario: PlanQueue, Scenario: SimulatedQueue, CenterConfig: RoutedQueue}
"""Each loader's document and the queue class its ``queues`` are validated into."""
NARROWED = {(RoutedQueue, "name"), (RoutedQueue, "skill")}
"""Fields a use may narrow on purpose: the router's names appear in URLs, Redis keys and SIP user parts
(domain/base.py, RouteName). Checked below to accept nothing the domain refuses."""
WRAPPERS = ("default", "nullable")
"""A use may give a field a default, require it or refuse None; the rule of its values stays the domain's."""
NOT_VALIDATION = ("metadata", "ref", "serialization")


def _fields(model: type[BaseModel]) -> dict[str, dict]:
    """The compiled validation of each of ``model``'s fields, as pydantic built it (its core schema)."""
    def find(node: object) -> dict | None:
        if isinstance(node, dict):
            if node.get("type") == "model" and node.get("cls") is model:
                inner = node["schema"]
                while inner["type"] != "model-fields":  # model validators wrap the fields
                    inner = inner["schema"]
                return inner["fields"]
            nodes = node.values()
        elif isinstance(node, list):
            nodes = node
        else:
            return None
        return next((found for n in nodes if (found := find(n)) is not None), None)

    return find(model.__pydantic_core_schema__)


def _rule(field: dict) -> object:
    """A field's validation without its default or its None, and without what does not validate."""
    schema = field["schema"]
    while schema["type"] in WRAPPERS:
        schema = schema["schema"]
    return _without(schema, NOT_VALIDATION)


def _without(node: object, keys: tuple[str, ...]) -> object:
    if isinstance(node, dict):
        return {k: _without(v, keys) for k, v in node.items() if k not in keys}
    if isinstance(node, list):
        return [_without(v, keys) for v in node]
    return node


def drifted(model: type[BaseModel]) -> list[str]:
    """The domain Queue's fields that ``model`` lacks or validates otherwise (bar the NARROWED ones)."""
    domain, mine = _fields(Queue), _fields(model)
    return [name for name, field in domain.items()
            if (model, name) not in NARROWED and (name not in mine or _rule(mine[name]) != _rule(field))]


@pytest.mark.parametrize("document, queue", LOADED_QUEUES.items(), ids=lambda c: c.__name__)
def test_each_loader_validates_its_queues_into_a_domain_queue(document, queue):
    assert typing.get_args(document.model_fields["queues"].annotation) == (queue,)
    assert issubclass(queue, Queue)
    assert set(Queue.model_fields) <= set(queue.model_fields)


@pytest.mark.parametrize("queue", LOADED_QUEUES.values(), ids=lambda c: c.__name__)
def test_no_use_validates_a_shared_field_otherwise(queue):
    assert drifted(queue) == []


def test_the_check_sees_a_redeclared_bound():
    """What the check above would say of a plan queue whose ``aht_s`` someone re-declared with an hour's bound."""

    class DriftedPlanQueue(PlanQueue):
        aht_s: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)]

    class SameRule(PlanQueue):  # the same rule written out again, with a default of its own, is no drift
        aht_s: Annotated[float, Field(gt=0, le=86_400, allow_inf_nan=False),
                         AfterValidator(_at_least_a_millisecond)] = 200.0

    assert drifted(DriftedPlanQueue) == ["aht_s"]
    assert drifted(SameRule) == []


def _accepts(model: type[BaseModel], **fields: object) -> bool:
    try:
        model.model_validate({"name": "q", "skill": "s", "aht_s": 180.0} | fields)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("field, value", [
    ("name", "fr_bank"), ("name", "a" * 63), ("name", "x.y-z_9"), ("name", "9"),
    ("skill", "fr"), ("skill", "es.insurance-2"), ("skill", "a" * 32),
    ("skill", "a" * 33), ("skill", "_fr"),
])
def test_the_routers_narrower_names_accept_nothing_the_domain_refuses(field, value):
    if _accepts(RoutedQueue, **{field: value}):
        assert _accepts(Queue, **{field: value})


def _with_max_wait(example: str, value: str, folder: Path) -> Path:
    """An example file whose every queue also says ``max_wait_s``."""
    text = (REPO / "examples" / example).read_text()
    assert "[[queues]]\n" in text
    path = folder / example
    path.write_text(text.replace("[[queues]]\n", f"[[queues]]\nmax_wait_s = {value}\n"))
    return path


LOAD_ALL = """
import json, sys
from pathlib import Path
import casashore
from casashore.errors import UserError
from casashore.plan.scenario import load_plan_scenario
from casashore.route.config import load_center
from casashore.simulate.inputs import load_scenario
out = {"package": casashore.__file__}
for name, load, path in zip(("plan", "simulate", "route"), (load_plan_scenario, load_scenario, load_center),
                            sys.argv[1:]):
    try:
        out[name] = [queue.max_wait_s for queue in load(Path(path)).queues]
    except UserError as error:
        out[name] = error.field
print(json.dumps(out))
"""


def test_a_field_added_to_the_domain_queue_reaches_the_three_loaders(tmp_path):
    """The newcomer's edit, done for real on a copy of the package: one line in domain/queue.py, nothing else;
    the plan, the simulator and the router then read it from their files and refuse it out of its domain."""
    package = tmp_path / "src" / "casashore"
    shutil.copytree(REPO / "src" / "casashore", package, ignore=shutil.ignore_patterns("__pycache__"))
    queue_py = package / "domain" / "queue.py"
    last_field = "    deadline_share: Share | None = None\n"
    assert queue_py.read_text().endswith(last_field)
    queue_py.write_text(queue_py.read_text() + "    max_wait_s: PositiveSeconds | None = None\n")
    examples = ("casablanca.toml", "multiskill.toml", "center.toml")
    env = os.environ | {"PYTHONPATH": str(tmp_path / "src")}
    runs = {}
    for value in ("45", "-1"):
        folder = tmp_path / value
        folder.mkdir()
        paths = [str(_with_max_wait(example, value, folder)) for example in examples]
        done = subprocess.run([sys.executable, "-c", LOAD_ALL, *paths], env=env, cwd=tmp_path,
                              capture_output=True, text=True, check=True)
        runs[value] = json.loads(done.stdout)
    assert runs["45"]["package"] == str(package / "__init__.py")
    assert {name: runs["45"][name] for name in ("plan", "simulate", "route")} == {
        "plan": [45.0] * 3, "simulate": [45.0] * 3, "route": [45.0] * 3}
    assert {name: runs["-1"][name] for name in ("plan", "simulate", "route")} == {
        "plan": "queues[0].max_wait_s", "simulate": "queues[0].max_wait_s", "route": "queues[0].max_wait_s"}
