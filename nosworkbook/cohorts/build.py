"""Cohort builds: every unit's workbook, an index and the tutor's dashboard, executed by Papermill.

Builds run in parallel processes. Kernels talk over IPC sockets in a private folder, not TCP
ports, so parallel kernels cannot race for a port (papermill#511). Each notebook is written
to a temporary file and renamed into place, so a failed or interrupted build never leaves a
half-written notebook; a unit whose inputs are unchanged is skipped.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import multiprocessing.context
import os
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nosworkbook import runtime
from nosworkbook.catalog import Catalog, load
from nosworkbook.cohorts.schema import Cohort, load_cohort
from nosworkbook.files import sha256_of, write_text_atomic

PACKAGE = Path(__file__).resolve().parents[1]  # the nosworkbook package


@dataclass
class Outcome:
    name: str
    status: str  # built | skipped | failed
    seconds: float = 0.0
    size: int = 0
    error: str = ""


@dataclass
class BuildSummary:
    cohort: Cohort
    folder: Path
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def text(self) -> str:
        lines = [
            f"{self.cohort.name}: built {self.count('built')}, skipped {self.count('skipped')} "
            f"(unchanged), failed {self.count('failed')}, in {self.seconds:.1f} s: {self.folder}"
        ]
        lines += [f"  {o.error}" for o in self.failed]
        return "\n".join(lines)


def _fingerprint(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def code_fingerprint() -> str:
    """Everything a built notebook depends on besides its own parameters: the package's code
    and data, and the tutors' answers."""
    from nosworkbook.exercises.answers import answers_dir

    suffixes = {".py", ".js", ".css", ".yaml", ".json"}
    paths = [p for p in PACKAGE.rglob("*") if p.suffix in suffixes and "__pycache__" not in p.parts]
    answers = answers_dir()  # packaged, or a college's own folder
    if answers.is_dir():
        paths += list(answers.glob("*.yaml"))
    return _fingerprint(set(paths))


INDEX = "index.ipynb"
DASHBOARD = "tutor.ipynb"


def sources_for(cohort: Cohort, catalog: Catalog | None = None) -> dict[str, str]:
    """File name -> notebook text to execute: the cohort's units, an index of them and the
    tutor's dashboard."""
    from nosworkbook.generate import index_notebook, render, tutor_notebook, unit_notebook

    catalog = catalog or load()
    chosen = [catalog[urn] for urn in cohort.units]
    texts = {f"{unit.urn}.ipynb": render(unit_notebook(unit)) for unit in chosen}
    subset = Catalog(suite=catalog.suite, published=catalog.published, units=tuple(chosen))
    texts[INDEX] = render(index_notebook(subset))
    texts[DASHBOARD] = render(tutor_notebook())
    return texts


def parameters_for(name: str, cohort: Cohort) -> dict[str, Any]:
    """What Papermill injects into one notebook: the cohort's settings, with the units for the
    index and the dashboard, and the roster and tutors for the dashboard alone (never for a
    workbook)."""
    parameters = cohort.parameters()
    if name in (INDEX, DASHBOARD):
        parameters["units"] = list(cohort.units)
    if name == DASHBOARD:
        parameters["learners"] = [entry.model_dump() for entry in cohort.learners]
        parameters["tutors"] = [entry.model_dump() for entry in cohort.tutors]
    return parameters


def lean(notebook: dict[str, Any]) -> dict[str, Any]:
    """Drop stored widget state, timings and temporary paths: what makes naive builds big."""
    metadata = notebook.setdefault("metadata", {})
    metadata.pop("widgets", None)
    papermill = metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "input_path", "output_path", "exception"):
        papermill.pop(key, None)
    for cell in notebook.get("cells", []):
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
    return notebook


def _kernel_manager_class(folder: str) -> type:
    """A kernel manager on IPC sockets in `folder` (removed with it): no TCP ports to race for."""
    from jupyter_client.manager import KernelManager
    from traitlets import CaselessStrEnum, default

    class BuildKernelManager(KernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("ip")
        def _ip_default(self) -> str:
            return os.path.join(folder, "kernel")

    return BuildKernelManager


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers forked from a fresh server process, never from the caller: a caller with threads
    (an event loop, a browser driver) forked as it is leaves the child waiting on locks those
    threads held, and papermill then never starts its kernel."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["nosworkbook.cohorts.build"])
    return context


def _worker_setup(scratch: str) -> None:
    """In each build process: kernels must not sign anyone in or touch the real store."""
    os.environ[runtime.BUILDING] = "1"
    os.environ[runtime.STORE] = os.path.join(scratch, "build-scratch.sqlite")
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")


def execute_one(name: str, source: str, parameters: dict[str, Any], folder: str) -> Outcome:
    """Execute one notebook with Papermill into `folder/name`; failures are returned, not
    raised, so the other units still build."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nosw-build-") as work:
        source_path = Path(work) / name
        output_path = Path(work) / f"executed-{name}"
        source_path.write_text(source, encoding="utf-8")
        try:
            papermill.execute_notebook(
                str(source_path),
                str(output_path),
                parameters=parameters,
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                cwd=work,
                kernel_manager_class=_kernel_manager_class(work),
            )
        except PapermillExecutionError as exc:
            cell = exc.exec_count or exc.cell_index + 1
            return Outcome(
                name,
                "failed",
                time.monotonic() - started,
                error=f"{name}: cell {cell} failed: {exc.ename}: {str(exc.evalue)[:300]}",
            )
        except Exception as exc:  # the kernel died, or the notebook could not be read
            return Outcome(
                name,
                "failed",
                time.monotonic() - started,
                error=f"{name}: could not be executed: {type(exc).__name__}: {str(exc)[:300]}",
            )
        notebook = lean(json.loads(output_path.read_text(encoding="utf-8")))
    text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_text_atomic(Path(folder) / name, text)
    return Outcome(name, "built", time.monotonic() - started, len(text.encode()))


def build(
    cohort_file: str | Path,
    out: str | Path = "build",
    jobs: int | None = None,
    force: bool = False,
    show_progress: bool = True,
) -> BuildSummary:
    """Build a cohort's workbooks into `out/<slug>/`; the cohort file is checked first, and
    nothing is built if it has a problem."""
    from tqdm import tqdm

    from nosworkbook import __version__

    started = time.monotonic()
    cohort = load_cohort(cohort_file)
    folder = Path(out) / cohort.slug
    folder.mkdir(parents=True, exist_ok=True)
    jobs = max(1, jobs or os.cpu_count() or 1)
    sources = sources_for(cohort)
    parameters = cohort.parameters()
    code = code_fingerprint()

    def input_hash(name: str) -> str:
        params = parameters_for(name, cohort)
        blob = json.dumps([sources[name], params, __version__, code], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    manifest_path = folder / "manifest.json"
    try:
        previous = json.loads(manifest_path.read_text(encoding="utf-8")).get("notebooks", {})
    except (OSError, ValueError):
        previous = {}
    summary = BuildSummary(cohort=cohort, folder=folder)
    todo = []
    for name in sources:
        path, old = folder / name, previous.get(name, {})
        fresh = (
            not force
            and path.exists()
            and old.get("input_hash") == input_hash(name)
            and old.get("sha256") == sha256_of(path)
        )
        if fresh:
            summary.outcomes.append(Outcome(name, "skipped", size=path.stat().st_size))
        else:
            todo.append(name)

    with (
        tempfile.TemporaryDirectory(prefix="nosw-build-store-") as scratch,
        ProcessPoolExecutor(
            max_workers=min(jobs, max(1, len(todo))),
            mp_context=_worker_context(),
            initializer=_worker_setup,
            initargs=(scratch,),
        ) as pool,
        tqdm(
            total=len(todo),
            desc=f"Building {cohort.slug}",
            unit="notebook",
            disable=not show_progress or not todo,
        ) as bar,
    ):
        futures = [
            pool.submit(
                execute_one,
                name,
                sources[name],
                parameters_for(name, cohort),
                str(folder),
            )
            for name in todo
        ]
        for future in as_completed(futures):
            summary.outcomes.append(future.result())
            bar.update()

    notebooks = {}
    for outcome in sorted(summary.outcomes, key=lambda o: o.name):
        path = folder / outcome.name
        if outcome.status == "failed":
            continue
        entry = previous.get(outcome.name, {}) if outcome.status == "skipped" else {}
        notebooks[outcome.name] = {
            "input_hash": input_hash(outcome.name),
            "sha256": sha256_of(path),
            "bytes": path.stat().st_size,
            "built_at": entry.get("built_at") or datetime.now(UTC).isoformat(timespec="seconds"),
        }
    manifest = {
        "cohort": cohort.model_dump(mode="json"),
        "units": list(cohort.units),
        "parameters": parameters,
        "package_version": __version__,
        "notebooks": notebooks,
        "failed": sorted(o.error for o in summary.failed),
    }
    write_text_atomic(manifest_path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    summary.outcomes.sort(key=lambda o: o.name)
    summary.seconds = time.monotonic() - started
    return summary
