"""Cohort builds with Papermill: parallel, lean, atomic, skipped when unchanged, nbval-clean."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import nosworkbook.cohorts.build as build_module
from nosworkbook.cli import main
from nosworkbook.cohorts import example_path
from nosworkbook.cohorts.build import build

SLUG = "retail-l2-2027-01"


@pytest.fixture(scope="module")
def example_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build")
    summary = build(example_path(), out=out, jobs=2, show_progress=False)
    assert summary.failed == [], summary.text()
    return out


def test_example_cohort_builds_every_unit_an_index_and_a_manifest(example_build):
    folder = example_build / SLUG
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "INSCS001.ipynb",
        "INSCS008.ipynb",
        "INSCS025.ipynb",
        "index.ipynb",
        "manifest.json",
        "tutor.ipynb",
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["cohort"]["name"] == "Retail Level 2, January 2027"
    assert manifest["units"] == ["INSCS001", "INSCS008", "INSCS025"]
    assert manifest["parameters"]["organisation"] == "Example Stores Ltd"
    assert manifest["package_version"] and manifest["failed"] == []
    import hashlib

    for name, entry in manifest["notebooks"].items():
        data = (folder / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)


def test_built_notebooks_are_lean_and_parameterised(example_build):
    for path in (example_build / SLUG).glob("*.ipynb"):
        notebook = json.loads(path.read_text())
        assert path.stat().st_size < 100_000, f"{path.name} is {path.stat().st_size} bytes"
        assert "widgets" not in notebook["metadata"]
        assert "duration" not in notebook["metadata"]["papermill"]
        injected = [
            c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", [])
        ]
        assert len(injected) == 1 and "Example Stores Ltd" in "".join(injected[0]["source"])
        errors = [
            o
            for c in notebook["cells"]
            for o in c.get("outputs", [])
            if o["output_type"] == "error"
        ]
        assert errors == []
    index = json.loads((example_build / SLUG / "index.ipynb").read_text())
    text = json.dumps(index)
    assert "INSCS008.ipynb" in text and "INSCS027.ipynb" not in text  # only the cohort's units


def test_built_notebooks_pass_nbval(example_build):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-n0",
            "-p",
            "no:cacheprovider",
            "-q",
            str(example_build / SLUG),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=example_build,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "4 passed" in proc.stdout or "passed" in proc.stdout.splitlines()[-1]


def test_unchanged_units_are_skipped_and_force_rebuilds(tmp_path):
    cohort = tmp_path / "small.yaml"
    cohort.write_text("name: Small\nunits: [INSCS003]\norganisation: First Ltd\n")
    first = build(cohort, out=tmp_path, jobs=1, show_progress=False)
    assert [o.status for o in first.outcomes] == ["built", "built", "built"]
    again = build(cohort, out=tmp_path, jobs=1, show_progress=False)
    assert [o.status for o in again.outcomes] == ["skipped", "skipped", "skipped"]
    forced = build(cohort, out=tmp_path, jobs=1, force=True, show_progress=False)
    assert [o.status for o in forced.outcomes] == ["built", "built", "built"]
    cohort.write_text("name: Small\nunits: [INSCS003]\norganisation: Second Ltd\n")
    changed = build(cohort, out=tmp_path, jobs=1, show_progress=False)
    assert [o.status for o in changed.outcomes] == ["built", "built", "built"]
    notebook = (tmp_path / "small" / "INSCS003.ipynb").read_text()
    assert "Second Ltd" in notebook and "First Ltd" not in notebook
    (tmp_path / "small" / "INSCS003.ipynb").write_text("{}")  # damaged by hand: rebuilt
    repaired = build(cohort, out=tmp_path, jobs=1, show_progress=False)
    assert [o.status for o in repaired.outcomes] == ["built", "skipped", "skipped"]


def test_a_failing_notebook_names_unit_and_cell_and_leaves_nothing_half_written(
    tmp_path, monkeypatch
):
    real = build_module.sources_for

    def with_a_broken_unit(cohort, catalog=None):
        texts = real(cohort, catalog)
        notebook = json.loads(texts["INSCS008.ipynb"])
        notebook["cells"].insert(
            4,
            {
                "cell_type": "code",
                "id": "broken",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "raise RuntimeError('the printer is on fire')",
            },
        )
        texts["INSCS008.ipynb"] = json.dumps(notebook)
        return texts

    monkeypatch.setattr(build_module, "sources_for", with_a_broken_unit)
    result = CliRunner().invoke(
        main, ["build", str(example_path()), "--out", str(tmp_path), "--jobs", "2"]
    )
    assert result.exit_code == 1, result.output
    assert "built 4, skipped 0 (unchanged), failed 1" in result.output
    assert "INSCS008.ipynb: cell 4 failed: RuntimeError: the printer is on fire" in result.output
    folder = tmp_path / SLUG
    assert not (folder / "INSCS008.ipynb").exists()
    assert sorted(p.name for p in folder.iterdir()) == [
        "INSCS001.ipynb",
        "INSCS025.ipynb",
        "index.ipynb",
        "manifest.json",
        "tutor.ipynb",
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "INSCS008.ipynb" not in manifest["notebooks"] and len(manifest["failed"]) == 1


def test_all_units_build_in_parallel(tmp_path):
    cohort = tmp_path / "everything.yaml"
    cohort.write_text("name: Every unit\nunits: all\nsector: contact-centre\nedition: tutor\n")
    summary = build(cohort, out=tmp_path, jobs=2, show_progress=False)
    assert summary.failed == [], summary.text()
    assert summary.count("built") == 46  # 44 units, the index and the tutor's dashboard
    sizes = [p.stat().st_size for p in (tmp_path / "every-unit").glob("*.ipynb")]
    assert len(sizes) == 46 and max(sizes) < 100_000


def _shown(path: Path) -> str:
    """Everything an executed notebook shows a reader without a live kernel (text/html)."""
    notebook = json.loads(path.read_text())
    shown = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html")
            if html:
                shown.append("".join(html) if isinstance(html, list) else html)
    return "\n".join(shown)


def test_cohort_settings_change_what_learners_see(tmp_path):
    shops = tmp_path / "shops.yaml"
    shops.write_text(
        "name: Shops\norganisation: Example Stores Ltd\nsector: retail\nunits: [INSCS027]\n"
        "due: 2027-03-31\n"
    )
    hotels = tmp_path / "hotels.yaml"
    hotels.write_text(
        "name: Hotels\norganisation: Harbour Hotels plc\nsector: hospitality\nedition: tutor\n"
        "units: [INSCS027]\nrating_scale: [No, Partly, 'Yes']\nrisk_matrix: 5x5\ndue: 2027-06-30\n"
    )
    for cohort in (shops, hotels):
        assert build(cohort, out=tmp_path, jobs=2, show_progress=False).failed == []
    a = _shown(tmp_path / "shops" / "INSCS027.ipynb")
    b = _shown(tmp_path / "hotels" / "INSCS027.ipynb")
    # organisation
    assert "Example Stores Ltd" in a and "Harbour Hotels plc" not in a
    assert "Harbour Hotels plc" in b and "Example Stores Ltd" not in b
    # sector: the scenario is told in the cohort's setting
    assert "Christmas trading period" in a and "wedding party" not in a
    assert "wedding party" in b and "Christmas trading period" not in b
    # edition: only tutors see model answers and marking notes
    assert "Marking notes" not in a and "Model answer" not in a
    assert "Marking notes" in b and "Model answer" in b
    # rating scale
    assert "Not yet / Developing / Competent" in a and "No / Partly / Yes" in b
    assert "Not yet / Developing / Competent" not in b
    # risk matrix
    assert "5 almost certain" in b and "5 almost certain" not in a
    assert "3 likely" in a
    # due date
    assert "31 March 2027" in a and "30 June 2027" in b and "31 March 2027" not in b


def test_builds_leave_no_temporary_folders(tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    cohort = tmp_path / "one.yaml"
    cohort.write_text("name: One\nunits: [INSCS010]\n")
    assert build(cohort, out=tmp_path / "out", jobs=2, show_progress=False).failed == []
    assert list(scratch.iterdir()) == []


def test_a_build_started_beside_a_running_event_loop_thread_still_finishes(tmp_path):
    """Browser tests and Jupyter clients leave threads running; workers forked from such a
    process used to wait for ever for their kernel."""
    import subprocess
    import sys
    import textwrap

    cohort = tmp_path / "one.yaml"
    cohort.write_text("name: One unit\nunits: [INSCS001]\n", encoding="utf-8")
    script = tmp_path / "run.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import asyncio

            from jupyter_core.utils import run_sync

            from nosworkbook.cohorts.build import build


            async def nothing():
                return None


            async def inside_a_running_loop():
                run_sync(nothing)()  # as Playwright's sync API makes it: a runner thread


            if __name__ == "__main__":
                asyncio.run(inside_a_running_loop())  # jupyter_core's runner thread stays
                summary = build({str(cohort)!r}, out={str(tmp_path / "out")!r}, jobs=1,
                                show_progress=False)
                print(",".join(o.status for o in summary.outcomes))
            """
        ),
        encoding="utf-8",
    )
    try:
        done = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=180
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the build waited for ever for its kernel")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "built,built,built"
