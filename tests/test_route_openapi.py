"""The router's HTTP API (`casashore route serve`) against its own OpenAPI document: schemathesis with all its
checks (status codes, content types and response schemas the document declares, schema-violating data refused,
requests without a valid token refused, unsupported methods answered 405 ...) as a supervisor, a trunk and an
agent; every error a JSON body with a message. Derandomized and bounded: the same cases on every run."""

import warnings
from collections import Counter

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)

from casashore.route.auth import Principal  # noqa: E402
from casashore.route.http import create_router_app  # noqa: E402
from casashore.route.service import RouterService  # noqa: E402
from casashore.route.state.call_ids import router_id  # noqa: E402
from casashore.route.state.core import Router, RoutingQueue  # noqa: E402

TOKENS = {"t-ana-0123456789": Principal("agent", "ana"), "t-sup-0123456789": Principal("supervisor"),
          "t-trunk-0123456789": Principal("trunk")}
AS = {"supervisor": "t-sup-0123456789", "trunk": "t-trunk-0123456789", "agent": "t-ana-0123456789"}


CALLS = [router_id(f"c{n}") for n in range(6)]
"""Calls brought in before the fuzzing (offered to an agent, or waiting), so that cases reach real ones."""


def router_app():
    router = Router({"fr": RoutingQueue("fr", "fr"), "es": RoutingQueue("es", "es")})
    router.add_agent("ana", {"fr": 1}, 1.8e9)
    router.add_agent("bob", {"fr": 2, "es": 1}, 1.8e9)
    router.set_status("ana", "available", 1.8e9)
    router.set_status("bob", "available", 1.8e9)
    for n, call_id in enumerate(CALLS):
        router.arrive(call_id, "fr" if n % 2 else "es", 1.8e9, trunk_call_id=f"c{n}")
    return create_router_app(RouterService(router, clock=lambda: 1.8e9), TOKENS, tick_s=3600)


def test_the_openapi_document_declares_bearer_security_and_json_errors():
    from fastapi.testclient import TestClient

    document = TestClient(router_app()).get("/openapi.json").json()
    client = TestClient(router_app())
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "t-sup-0123456789"}):
        refused = client.get("/api/queues", headers=headers)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert "bearer token" in refused.json()["error"]
    supervisor = {"Authorization": "Bearer t-sup-0123456789", "Content-Type": "application/json"}
    garbled = client.post("/api/calls", content=b"\xc3(", headers=supervisor)  # not UTF-8
    assert garbled.status_code == 400 and garbled.json()["error"].startswith("body: is not valid; expected a JSON")
    cut = client.post("/api/calls", content=b'{"call_id": ', headers=supervisor)
    assert cut.status_code == 422 and cut.json()["error"].startswith("body: is not valid; expected a JSON object")
    wrong = client.post("/api/calls", json={"call_id": "c9", "queue": "fr", "priority": 12},
                        headers={"Authorization": "Bearer t-sup-0123456789"})
    assert wrong.status_code == 422 and wrong.json()["error"].startswith("priority: '12' is not valid; ")
    assert wrong.json()["field"] == "priority"
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert len(document["paths"]) >= 10
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if (method, path) == ("post", "/api/chats"):  # a customer starts a chat without a token
                assert "security" not in operation
            elif path.startswith("/api/chats/"):  # the chat's secret, or the token of its agent
                assert sorted(operation["security"], key=str) == [{"bearer": []}, {"chat_secret": []}], path
            else:
                assert operation["security"] == [{"bearer": []}], (method, path)
            errors = {code: answer for code, answer in operation["responses"].items() if code >= "400"}
            assert {"401", "413"} <= set(errors), (method, path)
            if operation.get("requestBody"):
                assert {"400", "422"} <= set(errors), (method, path)
            for code, answer in errors.items():
                schema = answer["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/ErrorResponse"), (method, path, code)


@pytest.mark.parametrize("role", ["supervisor", "trunk", "agent"])
def test_openapi_fuzzing_passes_every_check(role):
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    app = router_app()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {AS[role]}"}
    answered = Counter()
    for operation in schema.get_all_operations():
        op = operation.ok()
        names = {p.name for p in op.path_parameters}
        known = [{name: value for name, value in (("agent_id", agent), ("call_id", call)) if name in names}
                 for agent in ("ana", "bob") for call in CALLS]
        # random data (mostly unknown agents and calls: 404), the centre's own agents and calls, and data that
        # breaks the schema (to be refused with a 4xx)
        cases = st.one_of(op.as_strategy(), op.as_strategy(GenerationMode.NEGATIVE),
                          *(op.as_strategy(path_parameters=fixed) for fixed in known[:4] if fixed),
                          st.sampled_from(known).flatmap(lambda fixed, op=op: op.as_strategy(path_parameters=fixed))
                          if names else st.nothing())

        @settings(max_examples=30, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=cases)
        def check(case):
            response = case.call_and_validate(headers=headers)
            answered[response.status_code // 100] += 1
            if response.status_code >= 400:
                assert response.json().get("error"), (case.method, case.formatted_path, response.text)

        check()
    assert answered[2] > 0 and answered[4] > 0, answered  # real agents and calls reached, and refusals seen
