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
