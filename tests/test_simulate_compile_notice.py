"""The first run's word while numba compiles the engines (simulate/compiling.py): said once when an engine function
is compiled, not when numba loads it from its cache, and never for functions outside the engines."""

import importlib.util

from casashore.simulate.compiling import NOTICE, compile_notice

ENGINE = "import numba\n\n@numba.njit(cache=True)\ndef step(x):\n    return x * 2 + 1\n"


def fresh_module(path, name):
    """A new import of ``path``: a new dispatcher, which compiles or loads from numba's cache like a new process."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_notice_is_said_once_when_compiling_and_not_when_loading_from_the_cache(tmp_path):
    path = tmp_path / "probe_engine.py"
    path.write_text(ENGINE)
    said = []
    with compile_notice(said.append, modules="probe_engine"):
        first = fresh_module(path, "probe_engine")
        assert (first.step(1), first.step(2), first.step(1.5)) == (3, 5, 4.0)  # two signatures compiled
    assert said == [NOTICE]
    said.clear()
    with compile_notice(said.append, modules="probe_engine"):
        again = fresh_module(path, "probe_engine")  # a new dispatcher: numba's cache on disk has both signatures
        assert again.step(3) == 7 and again.step(0.5) == 2.0
    assert said == []


def test_functions_outside_the_engines_say_nothing(tmp_path):
    path = tmp_path / "other_kernel.py"
    path.write_text(ENGINE)
    said = []
    with compile_notice(said.append, modules="probe_engine"):
        assert fresh_module(path, "other_kernel").step(1) == 3
    assert said == []
