"""The project's promises about itself: README commands, CI script and packaging."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "the README must start with a bash block of commands"
    return [line.split("#")[0].strip() for line in block[1].splitlines() if line.strip()]


def test_readme_starts_with_main_and_test_commands():
    commands = _readme_commands()
    assert len(commands) == 2
    assert commands[0].startswith("bash scripts/setup.sh && ")
    assert commands[1].startswith("bash scripts/setup.sh --test && ")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    setup, test = (part.strip() for part in _readme_commands()[1].split("&&"))
    assert setup in ci and test in ci
    assert ci.index(setup) < ci.index(test)


def test_package_data_is_declared():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"data/*.json"' in pyproject and '"sources/*"' in pyproject
    sources = ROOT / "nosworkbook" / "catalog" / "sources"
    assert (sources / "customer-service-suite-2021.md").stat().st_size > 200_000


def test_an_installed_wheel_carries_the_tutor_notes_scenarios_and_templates(tmp_path):
    import subprocess
    import sys
    import zipfile

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("nosworkbook-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for urn in ("INSCS001", "INSCS027", "INSCS044"):
        assert f"nosworkbook/exercises/model_answers/{urn}.yaml" in names
        assert f"nosworkbook/exercises/scenarios/{urn}.yaml" in names
    assert "nosworkbook/widgets/static/checklist.js" in names
    assert "nosworkbook/catalog/data/catalog.json" in names
    assert any(n.startswith("nosworkbook/data/jupyter/voila/templates/nosworkbook/") for n in names)
    assert not any(n.startswith("answers/") for n in names)


def _imports(path: Path) -> set[str]:
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("nosworkbook")}


def _modules() -> dict[str, Path]:
    package = ROOT / "nosworkbook"
    modules = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def test_the_package_has_no_import_cycles():
    modules = _modules()
    graph = {
        name: {m for m in _imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        seen[name] = 1
        for target in sorted(graph[name]):
            if seen.get(target) == 1 and not name.startswith(target + "."):
                raise AssertionError("import cycle: " + " -> ".join([*path, name, target]))
            if target not in seen:
                visit(target, [*path, name])
        seen[name] = 2

    for name in sorted(graph):
        if name not in seen:
            visit(name, [])


# The layers, lowest first: a module may import its own layer or lower ones, never higher.
LAYERS = [
    {
        "nosworkbook.errors",
        "nosworkbook.ids",
        "nosworkbook.runtime",
        "nosworkbook.files",
        "nosworkbook.listening",
        "nosworkbook.startup",
    },
    {"nosworkbook.catalog", "nosworkbook.classroom.access", "nosworkbook.exercises.toolkit.matrix"},
    {"nosworkbook.settings", "nosworkbook.store"},
    {"nosworkbook.exercises"},
    {"nosworkbook.widgets", "nosworkbook.generate"},
    {"nosworkbook.workbook", "nosworkbook.cohorts", "nosworkbook.portfolio"},
    {"nosworkbook.classroom", "nosworkbook.hub", "nosworkbook.testing"},
    {"nosworkbook.cli", "nosworkbook.__main__"},
]


def _layer(module: str) -> int:
    best, found = -1, -1
    for index, layer in enumerate(LAYERS):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), index
    return found


def test_nothing_imports_upward():
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        if name == "nosworkbook":
            continue
        own = _layer(name)
        assert own >= 0, f"{name} is in no layer"
        for target in _imports(path):
            target = target if target in modules else target.rsplit(".", 1)[0]
            if target in modules and target != "nosworkbook" and _layer(target) > own:
                wrong.append(f"{name} imports {target}")
    assert not wrong, wrong


def test_the_design_is_in_the_repository_and_its_layout_names_only_what_exists():
    design = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    assert "docs/DESIGN.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    for path in [ROOT / "README.md", *ROOT.glob("nosworkbook/**/*.py"), *ROOT.glob("tests/*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "../" + "shared" not in text, f"{path} points outside the repository"
    block = re.search(r"## Layout.*?```\n(.*?)```", design, re.S)
    assert block
    stack: list[tuple[int, str]] = []
    named = []
    for line in block[1].splitlines():
        match = re.match(r"^( *)([A-Za-z_]+(?:/|\.py))\s", line + " ")
        if not match:
            continue
        depth, name = len(match[1]), match[2]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        path = parent + name
        named.append(path)
        if name.endswith("/"):
            stack.append((depth, path))
    assert len(named) > 25
    missing = [p for p in named if not (ROOT / p).exists() and p not in ("build/",)]
    assert not missing, missing
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "nosworkbook").glob("*.py")}
    folders = {
        p.relative_to(ROOT).as_posix() + "/"
        for p in (ROOT / "nosworkbook").iterdir()
        if p.is_dir() and not p.name.startswith("__")
    }
    unnamed = sorted(
        (modules | folders)
        - set(named)
        - {"nosworkbook/__init__.py", "nosworkbook/__main__.py", "nosworkbook/data/"}
    )
    assert not unnamed, f"docs/DESIGN.md does not say what these are for: {unnamed}"
