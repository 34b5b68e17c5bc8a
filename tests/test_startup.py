"""A server starts without building what it never uses (`nosworkbook.startup`, the lazy
`nosworkbook.workbook`), and everything it put off still works the same when asked for."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nosworkbook import startup

IRIS = [
    "http://example.com/a?b=c#d",
    "https://例え.jp/パス",
    "urn:isbn:0451450523",
    "no scheme",
    "http://exa mple.com/",
    "http://[::1",
    "",
]
CHECK_IRIS = (
    "import json, jsonschema; checker = jsonschema.FormatChecker(); "
    f"print(json.dumps([[checker.conforms(v, f) for f in ('iri', 'iri-reference')] "
    f"for v in {IRIS!r}]))"
)


def python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


@pytest.mark.parametrize("module", ["nosworkbook.hub.singleuser", "nosworkbook.classroom.app"])
def test_a_server_module_imports_without_the_iri_grammar_or_the_widgets(module: str) -> None:
    heavy = ["rfc3987_syntax.syntax_helpers", "lark", "ipywidgets", "anywidget"]
    found = python(f"import sys, {module}; print([m for m in {heavy!r} if m in sys.modules])")
    assert found == "[]"


def test_iri_checks_give_the_same_answers_when_the_grammar_was_put_off() -> None:
    eager = json.loads(python("import rfc3987_syntax; " + CHECK_IRIS))
    deferred = python(
        "import nosworkbook.startup, sys; "
        "assert 'rfc3987_syntax.syntax_helpers' not in sys.modules; " + CHECK_IRIS
    )
    assert json.loads(deferred) == eager
    assert [True, True] in eager and [False, False] in eager  # the check tells them apart


def test_the_real_grammar_replaces_the_stand_in_once_it_is_used() -> None:
    code = (
        "import nosworkbook.startup, sys, rfc3987_syntax as first; "
        "stand_in = type(sys.modules['rfc3987_syntax']).__name__; "
        "terms = first.RFC3987_SYNTAX_TERMS; "
        "print(stand_in, type(sys.modules['rfc3987_syntax']).__name__, 'iri' in terms)"
    )
    assert python(code) == "_DeferredModule module True"


def test_nothing_is_put_off_once_jsonschema_is_imported() -> None:
    import jsonschema  # noqa: F401

    assert startup.defer_iri_grammar() is False


def test_the_workbook_package_loads_its_pages_only_when_they_are_asked_for() -> None:
    code = (
        "import sys, nosworkbook.workbook as w; before = 'nosworkbook.workbook.pages' in "
        "sys.modules; page = w.Workbook; print(before, page.__module__)"
    )
    assert python(code) == "False nosworkbook.workbook.pages"


def test_the_workbook_package_refuses_a_name_it_does_not_have() -> None:
    import nosworkbook.workbook as workbook

    with pytest.raises(AttributeError, match="no attribute 'Notebook'"):
        workbook.Notebook  # noqa: B018
