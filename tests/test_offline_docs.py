"""Both servers' /docs work offline: the Swagger UI page loads its script and style from the server itself."""

import re
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from casashore.interfaces.web.api import create_app  # noqa: E402
from casashore.route.http import create_router_app  # noqa: E402
from casashore.route.service import RouterService  # noqa: E402
from casashore.route.state.core import Router, RoutingQueue  # noqa: E402


def assert_docs_served_locally(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), asset  # on this server, no CDN
        assert client.get(asset).status_code == 200, asset
    assert "SwaggerUIBundle" in client.get(next(a for a in assets if a.endswith(".js"))).text
    assert client.get("/openapi.json").json()["openapi"].startswith("3.")


def test_dashboard_docs_offline(tmp_path):
    assert_docs_served_locally(TestClient(create_app(tmp_path), base_url="http://127.0.0.1:8000"))


def test_router_docs_offline():
    router = Router({"fr": RoutingQueue("fr", "fr")})
    with TestClient(create_router_app(RouterService(router), {}, tick_s=60)) as client:
        assert_docs_served_locally(client)
