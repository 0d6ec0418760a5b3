"""`casashore route serve` refuses a wrong centre file or address with one line naming the field, before it
starts anything."""

import pytest
from typer.testing import CliRunner

from casashore.cli import app


@pytest.mark.parametrize("toml, args, expected", [
    ('[router]\nselection = "fastest"\n[[queues]]\nname = "fr"\nskill = "fr"\n', [], "router.selection: 'fastest'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\n[[agents]]\nid = "a"\nskills = { fr = 12 }\n', [],
     "agents[0].skills.fr: 12"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\nnumbers = ["3001"]\n[[queues]]\nname = "es"\nskill = "es"\n'
     'numbers = ["3001"]\n', [], "queues[1].numbers: '3001'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\n', ["--sip", "nonsense"], "sip: 'nonsense'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\n', ["--redis", "http://x"], "redis: 'http://x'"),
    ('[[queues]]\nname = "fr"\nskill = "fr"\n', ["--http", "0.0.0.0:8080"], "reachable from other machines"),
])
def test_route_serve_names_the_wrong_field(tmp_path, toml, args, expected):
    config = tmp_path / "center.toml"
    config.write_text(toml)
    result = CliRunner().invoke(app, ["route", "serve", "--config", str(config), "--no-records", *args])
    assert result.exit_code == 2 and expected in result.output, result.output
    assert list(tmp_path.iterdir()) == [config]  # nothing written
