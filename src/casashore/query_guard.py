"""A dependency of both HTTP apps (the planner's API and the router's): a query parameter an /api/ operation does
not declare is refused (422, naming it), not ignored. Ignoring it accepted requests that violate the published
OpenAPI document (schemathesis's negative checks found ``GET /api/calls?limit=1&=null`` served), and hid a caller's
typo (``?limt=5`` served as the default page). Pages outside /api/ keep their own parameters (the wallboard's old
``?token=`` link); the event stream's ``token`` is declared, so it passes."""

from __future__ import annotations

from fastapi import HTTPException
from starlette.requests import HTTPConnection


def only_declared_query(connection: HTTPConnection) -> None:
    route = connection.scope.get("route")
    if route is None or not connection.url.path.startswith("/api/"):
        return
    declared = _query_names(route.dependant)
    unknown = sorted(set(connection.query_params) - declared)
    if unknown:
        raise HTTPException(422, f"query parameter {unknown[0]!r}: not one this operation takes (it takes "
                                 f"{', '.join(sorted(declared)) or 'none'})")


def _query_names(dependant) -> set[str]:
    """The query parameters an operation declares, its dependencies' included (FastAPI's Dependant tree)."""
    names = {param.alias for param in dependant.query_params}
    for inner in dependant.dependencies:
        names |= _query_names(inner)
    return names
