"""What a server process does before Jupyter's imports, so that it starts sooner.

Every Jupyter server (a learner's own server under the hub, serve's Voila, the hub itself)
imports jsonschema through jupyter_events, and jsonschema's format checkers import
`rfc3987_syntax` at once, which builds some 35 Earley parsers from its grammar as it is
imported: about 1.6 s of CPU on this project's machines, paid again by each of the thirty
servers a class starts, though no Jupyter schema checks an IRI (jupyter_server issue 1559,
jsonschema issue 1428). `defer_iri_grammar` puts a stand-in under that name which imports the
real module the first time anything is asked of it, so IRI checks still give the same
answers, only later. Importing this module does it: the server modules import it before any
of Jupyter (`# isort: split` keeps it first); where jsonschema is already imported, it does
nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

IRI_GRAMMAR = "rfc3987_syntax"
_loading = threading.Lock()


class _DeferredModule(types.ModuleType):
    """Stands in for a module under its name; anything asked of it imports the real one."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # import machinery probing the stand-in: not a use
            raise AttributeError(name)
        return getattr(real_module(self.__name__), name)


def real_module(name: str) -> types.ModuleType:
    """The real module `name`, imported in place of its stand-in if it is not yet."""
    with _loading:
        module = sys.modules.get(name)
        if isinstance(module, _DeferredModule):
            del sys.modules[name]
            module = None
        return module or importlib.import_module(name)


def _deferred_is_valid_syntax(term: str, value: str) -> bool:
    return real_module(IRI_GRAMMAR).is_valid_syntax(term, value)


def defer_iri_grammar() -> bool:
    """Put the stand-in for `rfc3987_syntax` in place, unless that module (or jsonschema,
    which takes it on import) is already imported or is not installed. True if it was put."""
    if IRI_GRAMMAR in sys.modules or "jsonschema" in sys.modules:
        return False
    spec = importlib.util.find_spec(IRI_GRAMMAR)
    if spec is None:
        return False
    stand_in = _DeferredModule(IRI_GRAMMAR)
    stand_in.__spec__ = spec
    stand_in.__path__ = list(spec.submodule_search_locations or [])
    stand_in.is_valid_syntax = _deferred_is_valid_syntax  # what jsonschema imports by name
    sys.modules[IRI_GRAMMAR] = stand_in
    return True


defer_iri_grammar()
