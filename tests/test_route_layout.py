"""The router's layers as docs/architecture.md draws them: the routing state (route/state/) knows nothing of the
fronts or of what joins them, and the SIP front (route/sip/) reaches the router only through the service."""

from __future__ import annotations

from test_import_cycles import PACKAGE, imported_modules, module_name

ROUTE = PACKAGE / "route"
ALL_MODULES = {module_name(p) for p in PACKAGE.rglob("*.py")}


def route_imports_outside(package: str, allowed: tuple[str, ...]) -> dict[str, set[str]]:
    """The casashore.route modules outside ``allowed`` that a module of route/<package>/ imports (anywhere in its
    body), by module; empty when the layer keeps to its own."""
    found = {}
    for path in (ROUTE / package).glob("*.py"):
        outside = {m for m in imported_modules(path, ALL_MODULES)
                   if m.startswith("casashore.route.") and not m.startswith(allowed)}
        if outside:
            found[module_name(path)] = outside
    return found


def test_the_routing_state_imports_nothing_of_the_fronts():
    assert route_imports_outside("state", ("casashore.route.state",)) == {}


def test_the_sip_front_reaches_the_router_through_the_service():
    allowed = ("casashore.route.sip", "casashore.route.state", "casashore.route.service", "casashore.route.media")
    assert route_imports_outside("sip", allowed) == {}


def test_the_media_anchors_import_nothing_of_the_router():
    assert route_imports_outside("media", ("casashore.route.media",)) == {}
