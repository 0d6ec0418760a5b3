"""A word while numba compiles the simulation engines: the first run on a machine compiles them (minutes for the
blended engine), every later one loads them from numba's cache (seconds). Without a word, a first run looks hung.

numba fires its ``numba:compile`` event only when it really compiles a function, not when it loads one from its
cache (numba.core.dispatcher, Dispatcher.compile): a listener on it tells the two apart, with no guess from
timing. Only the engines' own functions (modules under casashore.simulate) count: the Erlang kernels compile in a
second or two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from numba.core import event

NOTICE = ("compiling the simulation engine (first run on this machine, or after an upgrade): this takes a few "
          "minutes once, then numba's cache loads it in seconds")
ENGINE_MODULES = "casashore.simulate"


class _FirstCompile(event.Listener):
    """Calls ``say`` once, at the first compilation of a function of the engines' modules."""

    def __init__(self, say: Callable[[str], None], modules: str) -> None:
        self.say, self.modules, self.said = say, modules, False

    def on_start(self, ev: event.Event) -> None:
        if self.said:
            return
        function = getattr(ev.data.get("dispatcher"), "py_func", None)
        if getattr(function, "__module__", "").startswith(self.modules):
            self.said = True
            self.say(NOTICE)

    def on_end(self, ev: event.Event) -> None:
        pass


@contextmanager
def compile_notice(say: Callable[[str], None], modules: str = ENGINE_MODULES) -> Iterator[None]:
    """Within the block, ``say(NOTICE)`` once if an engine function is compiled rather than loaded from the cache
    (in this process: engines compiled in worker processes are not heard)."""
    with event.install_listener("numba:compile", _FirstCompile(say, modules)):
        yield
