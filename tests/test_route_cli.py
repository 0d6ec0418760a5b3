"""`casashore route serve` refuses a wrong centre file or address with one line naming the field, before it
starts anything."""

import pytest
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app


@pytest.mark.parametrize("toml, args, expected", [
    ('[router]\nselection = "fastest"\n[[queues]]\nname = "fr"\nskill = "fr"\n', [], "router.selection: 'fastest'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\n[[agents]]\nid = "a"\nskills = { fr = 12 }\n', [],
     "agents[0].skills.fr: 12"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\nnumbers = ["3001"]\n[[queues]]\nname = "es"\nskill = "es"\n'
     'numbers = ["3001"]\n', [], "queues[1].numbers: '3001'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\n', ["--sip", "nonsense"], "sip: 'nonsense'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\n', ["--redis", "http://x"], "redis: 'http://x'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\n', ["--http", "0.0.0.0:8080"], "reachable from other machines"),
    # issue 16: names are data, never paths (queue, agent, skill)
    ('[[queues]]\nname = "../../etc/x"\nskill = "fr"\n', [], "queues[0].name: '../../etc/x'"),
    ('[[queues]]\nname = "fr"\nskill = "f/r"\n', [], "queues[0].skill: 'f/r'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\n[[agents]]\nid = ".."\nskills = { fr = 1 }\n', [], "agents[0].id: '..'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\n[[agents]]\nid = "a"\nskills = { "fr:1,x" = 1 }\n', [],
     "agents[0].skills: 'fr:1,x'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\nmax_waiting = 1000000000\n', [], "queues[0].max_waiting"),
    # issue 16: off loopback, the example's demo tokens (or short ones) are refused
    ('[[queues]]\nname = "fr"\nskill = "fr"\n[tokens]\nsupervisor = ["supervisor-demo-token-change-me"]\n',
     ["--http", "0.0.0.0:8080"], "tokens.supervisor[0]: 'supe…' is not valid; expected a secret token"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\n[[agents]]\nid = "a"\nskills = { fr = 1 }\ntoken = "0123456789abcdefg"\n'
     '[tokens]\nsupervisor = ["0123456789abcdef0123456789abcdef-s"]\n', ["--http", "0.0.0.0:8080"],
     "agents[0].token"),
])
def test_route_serve_names_the_wrong_field(tmp_path, toml, args, expected):
    config = tmp_path / "center.toml"
    config.write_text(toml)
    result = CliRunner().invoke(app, ["route", "serve", "--config", str(config), "--no-records", *args])
    assert result.exit_code == 2 and expected in result.output, result.output
    assert "router: " not in result.output  # refused before the banner says it starts
    assert list(tmp_path.iterdir()) == [config]  # nothing written


@pytest.mark.parametrize("toml, expected", [
    ('[[queues]]\nname = "../../etc/x"\nskill = "fr"\n', "queues[0].name: '../../etc/x' is not valid; expected a "
     "letter or digit followed by up to 62 letters, digits, '_', '.' or '-'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\nnumbers = ["30 01"]\n', "queues[0].numbers[0]: '30 01' is not valid; "
     "expected a dialled number"),
    ('[router]\ncentre = "a/b"\n[[queues]]\nname = "fr"\nskill = "fr"\n', "router.centre: 'a/b' is not valid; "
     "expected 1 to 60 letters"),
])
def test_a_wrong_name_is_explained_in_words(tmp_path, toml, expected):
    """What a name may hold is said in words, never as a regular expression."""
    config = tmp_path / "center.toml"
    config.write_text(toml)
    result = CliRunner().invoke(app, ["route", "serve", "--config", str(config), "--no-records"])
    output = " ".join(result.output.split())  # a long line may be folded on a terminal
    assert result.exit_code == 2 and expected in output, result.output
    assert "^" not in output and "[A-Za-z" not in output


def test_route_serve_takes_the_centre_file_as_its_argument(tmp_path):
    """Issue 21: `route serve CENTRE` as `plan SCENARIO` takes it (--config still works); the centre is read from
    the argument (a wrong one is refused naming its field), neither or two different ones are refused with the
    command to type."""
    config = tmp_path / "center.toml"
    config.write_text('[router]\nselection = "fastest"\n[[queues]]\nname = "fr"\nskill = "fr"\n')
    runner = CliRunner()
    for args in ([str(config)], ["--config", str(config)], [str(config), "--config", str(config)]):
        result = runner.invoke(app, ["route", "serve", *args, "--no-records"])
        assert result.exit_code == 2 and "router.selection: 'fastest'" in result.output, (args, result.output)
    result = runner.invoke(app, ["route", "serve", "--no-records"])
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and "casashore route serve examples/center.toml" in output, result.output
    other = tmp_path / "other.toml"
    result = runner.invoke(app, ["route", "serve", str(config), "--config", str(other), "--no-records"])
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and "two centre files" in output and "router.selection" not in output, output
    assert "Traceback" not in output


def test_route_serve_help_says_which_token_each_endpoint_needs():
    """Issue 21: the help named GET /api/queues without the token it needs. It says which role reaches what, and
    what it says holds: statistics with any token (401 without one), the live calls a supervisor's only."""
    import warnings

    from fastapi.testclient import TestClient

    from casashore.route.auth import Principal
    from casashore.route.http import create_router_app
    from casashore.route.service import RouterService
    from casashore.route.state.core import Router, RoutingQueue

    result = CliRunner().invoke(app, ["route", "serve", "--help"], terminal_width=200)
    text = " ".join(result.output.split())
    any_token = text.split("Any token", 1)[1].split(". ", 1)[0]
    assert "GET /api/queues" in any_token and "/api/stats" in any_token, text
    assert "401" in text and "A supervisor's only: GET /api/calls" in text
    assert "The trunk's or a supervisor's: POST /api/calls and POST /api/emails" in text
    router = Router({"fr": RoutingQueue("fr", "fr")})
    router.add_agent("ana", {"fr": 1}, 0.0)
    tokens = {"t-ana": Principal("agent", "ana"), "t-trunk": Principal("trunk")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with TestClient(create_router_app(RouterService(router), tokens, tick_s=3600)) as client:
            for path in ("/api/queues", "/api/stats", "/api/agents"):
                assert client.get(path).status_code == 401
                for token in tokens:
                    assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
            assert client.get("/api/calls", headers={"Authorization": "Bearer t-ana"}).status_code == 403
            assert client.post("/api/calls", json={"call_id": "x", "queue": "fr"},
                               headers={"Authorization": "Bearer t-ana"}).status_code == 403
