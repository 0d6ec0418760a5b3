"""The layers docs/architecture.md draws, kept by a test: the interfaces sit on the use cases, the use cases on the
packages that do the work, and those on the domain and the workspace; nothing reaches up a layer."""

from __future__ import annotations

import ast

from test_import_cycles import PACKAGE, imported_modules, module_name

MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def importers_of(layer: str, *, allowed: tuple[str, ...]) -> dict[str, set[str]]:
    """Modules outside ``allowed`` that import something of ``layer``, with what they import."""
    found = {}
    for name, path in MODULES.items():
        if name.startswith(allowed):
            continue
        hits = {m for m in imported_modules(path, set(MODULES)) if m == layer or m.startswith(layer + ".")}
        if hits:
            found[name] = hits
    return found


def imports_of(package: str) -> set[str]:
    """Every casashore module the modules of ``package`` import, their own package's apart."""
    return {m for name, path in MODULES.items() if name.startswith(package + ".") or name == package
            for m in imported_modules(path, set(MODULES)) if not m.startswith(package)} - {"casashore"}


def test_nothing_below_the_interfaces_imports_them():
    assert importers_of("casashore.interfaces", allowed=("casashore.interfaces", "casashore.__main__")) == {}


def test_only_the_interfaces_call_the_use_cases():
    assert importers_of("casashore.usecases", allowed=("casashore.interfaces", "casashore.usecases")) == {}


def test_the_domain_depends_on_nothing_else_of_casashore():
    assert {m for m in imports_of("casashore.domain") if not m.startswith(("casashore.errors",
                                                                            "casashore.domain"))} == set()


def test_the_workspace_depends_only_on_the_domain():
    assert {m for m in imports_of("casashore.workspace")
            if not m.startswith(("casashore.errors", "casashore.domain"))} == set()


def test_only_the_workspace_opens_duckdb():
    """The workspace owns the DuckDB file; simulate/trace.py uses DuckDB only to write a Parquet file."""
    users = set()
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                module = node.module if isinstance(node, ast.ImportFrom) else None
                names = [module] if module else [alias.name for alias in node.names]
                if any(n and n.split(".")[0] == "duckdb" for n in names):
                    users.add(name)
    assert {u for u in users if not u.startswith("casashore.workspace")} == {"casashore.simulate.trace"}
