"""Workbook benchmarks: time to interactive in Chromium, widget models, kernel memory, generation.

    .venv/bin/python benchmarks/workbook_bench.py             # full run (~2-3 min); rewrites
                                                              # benchmarks/workbooks.md and .png
    .venv/bin/python benchmarks/workbook_bench.py --quick --no-write   # a smoke run (~1 min)
    .venv/bin/python benchmarks/workbook_bench.py --only tti --loads 20
    .venv/bin/python benchmarks/workbook_bench.py --json raw.json   # keep the raw figures;
    .venv/bin/python benchmarks/workbook_bench.py --from-json raw.json   # re-render from them

Four measurements (issue 3):

1. Time to interactive (TTI) of the largest unit's workbook in headless Chromium, served by
   standalone Voila, against a notebook with one IntSlider and against the "obvious" stock
   ipywidgets build of the same unit (a label, a RadioButtons and a Textarea per item). Each
   load is a fresh browser context and a fresh kernel; the three notebooks are loaded
   interleaved (A, B, C, A, B, C, ...) after one warm-up each, and the next load starts only
   once the previous page's kernel has gone. TTI is read in the page: a script installed before
   navigation checks the page on every animation frame and records `performance.now()` (ms
   from navigation start) when the last control is visible; Playwright then confirms the same
   controls by role and accessible name.
2. Widget models each workbook creates: its code cells run in-process in a fresh namespace,
   counting ipywidgets' model registry (`ipywidgets.widgets.widget._instances`).
3. Kernel memory: RSS of a kernel (jupyter_client KernelManager) after running a notebook's
   code cells, against a kernel that only ran `1+1`.
4. Generation time: `nosworkbook.generate.workbook_texts()` in-process and the whole
   `nosworkbook generate --out <tmp>` command.

Every server, kernel and browser the script starts is stopped on exit, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import psutil
from common import HERE, machine, percentile, sigterm_as_ctrl_c, versions
from tqdm import tqdm

from nosworkbook import testing

PNG = HERE / "workbooks-tti.png"
MARKDOWN = HERE / "workbooks.md"

SERVER_START_SECONDS = 90
SERVER_STOP_SECONDS = 10
LOAD_TIMEOUT_MS = 120_000
KERNEL_GONE_SECONDS = 30
TARGET_RATIO = 1.3
TARGET_GENERATE_SECONDS = 3.0
SCALE = ["Not yet", "Developing", "Competent"]


# --- small helpers --------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def p90(values: list[float]) -> float:
    return percentile(values, 90)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def chromium_version() -> str:
    try:
        out = subprocess.run(
            [str(testing.CHROMIUM), "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    match = re.search(r"Chromium [\d.]+", out)
    return match.group(0) if match else out.strip() or "unknown"


def describe_machine() -> dict[str, Any]:
    return machine(
        versions(
            "voila",
            "ipywidgets",
            "anywidget",
            "ipykernel",
            "jupyter_client",
            "playwright",
            Chromium=chromium_version(),
        )
    )


# --- the notebooks --------------------------------------------------------------------------


def _notebook(cells: list[tuple[str, str]], title: str) -> nbformat.NotebookNode:
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    nb = nbformat.v4.new_notebook(cells=[make[kind](source=src) for kind, src in cells])
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "title": title,
    }
    return nb


def single_notebook() -> nbformat.NotebookNode:
    """The floor: Voila, a kernel and one small stock widget."""
    return _notebook(
        [
            ("markdown", "# One widget"),
            ("code", 'import ipywidgets as widgets\n\nwidgets.IntSlider(description="Single")'),
        ],
        "One widget",
    )


NAIVE_SETUP = """\
import ipywidgets as widgets

from nosworkbook.catalog import load

unit = load()[{urn!r}]
scale = {scale!r}


def item_row(criterion):
    text = widgets.HTML(f"<b>{{criterion.short_id}}</b> {{criterion.text}}")
    rating = widgets.RadioButtons(options=scale, value=None, description=criterion.short_id)
    evidence = widgets.Textarea(
        description=f"Evidence for {{criterion.short_id}}", placeholder="Your evidence"
    )
    return widgets.VBox([text, widgets.HBox([rating, evidence])])


def checklist(heading, criteria):
    return widgets.VBox([widgets.HTML(f"<h2>{{heading}}</h2>")] + [item_row(c) for c in criteria])


learner = widgets.Text(description="Learner")
sign_in = widgets.HBox([learner, widgets.Button(description="Sign in"), widgets.Label("")])
performance = checklist("You must be able to", unit.performance)
knowledge = checklist("You need to know and understand", unit.knowledge)
progress = widgets.VBox(
    [widgets.IntProgress(max=len(unit.performance)), widgets.IntProgress(max=len(unit.knowledge))]
)"""


def naive_notebook(urn: str) -> nbformat.NotebookNode:
    """The unit built the obvious way from stock ipywidgets: a dozen models per item."""
    return _notebook(
        [
            ("markdown", f"# {urn} with stock ipywidgets"),
            ("code", NAIVE_SETUP.format(urn=urn, scale=SCALE)),
            ("markdown", "## Sign in"),
            ("code", "sign_in"),
            ("markdown", "## You must be able to"),
            ("code", "performance"),
            ("markdown", "## You need to know and understand"),
            ("code", "knowledge"),
            ("markdown", "## Your progress"),
            ("code", "progress"),
        ],
        f"{urn} (stock ipywidgets)",
    )


def code_cells(text: str) -> list[str]:
    nb = nbformat.reads(text, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


# --- page-side readiness probe --------------------------------------------------------------

# Installed before any page script runs. It checks the page on every animation frame after a
# DOM change (and every 10th frame regardless, for style changes) and records when the page's
# readiness predicate first holds, in ms from navigation start.
PROBE = """
(() => {
  const text = (el) => (el ? el.textContent || "" : "").replace(/\\s+/g, " ").trim();
  const accName = (el) => {
    const by = el.getAttribute("aria-labelledby");
    if (by) return by.split(/\\s+/).map((id) => text(document.getElementById(id))).join(" ");
    if (el.getAttribute("aria-label")) return el.getAttribute("aria-label");
    if (el.id) {
      const label = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      if (label) return text(label);
    }
    return text(el.closest("label"));
  };
  const roleOf = (el) => {
    if (el.getAttribute("role")) return el.getAttribute("role");
    if (el.tagName === "TEXTAREA") return "textbox";
    if (el.tagName === "INPUT") return { text: "textbox", "": "textbox", radio: "radio" }[el.type];
    return null;
  };
  const visible = (el) => {
    if (!el.getClientRects().length) return false;
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && style.opacity !== "0";
  };
  const candidates = "[role], input, textarea";
  const byRole = (role, pattern) => {
    const re = new RegExp(pattern);
    for (const el of document.querySelectorAll(candidates)) {
      if (roleOf(el) === role && re.test(accName(el)) && visible(el)) return true;
    }
    return false;
  };
  const countRole = (role) =>
    [...document.querySelectorAll(candidates)].filter((el) => roleOf(el) === role && visible(el))
      .length;
  const ready = __READY__;
  const FIRST_VIEW = ".jp-OutputArea-output > .lm-Widget > *";  // a widget view with content
  const marks = {};
  window.__nwbench = marks;
  let dirty = true;
  let frame = 0;
  new MutationObserver(() => { dirty = true; }).observe(document, {
    subtree: true, childList: true, attributes: true,
  });
  const tick = () => {
    frame += 1;
    if (dirty || frame % 10 === 0) {
      dirty = false;
      if (!("widget" in marks) && document.querySelector(FIRST_VIEW)) {
        marks.widget = performance.now();
      }
      if (document.body && ready()) {
        marks.ready = performance.now();
        return;
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


class Variant:
    """One notebook in the time-to-interactive race: its file, JS predicate, role checks."""

    def __init__(
        self,
        key: str,
        label: str,
        notebook: str,
        ready_js: str,
        check: Callable[[Any], None],
    ) -> None:
        self.key, self.label, self.notebook = key, label, notebook
        self.script = PROBE.replace("__READY__", ready_js)
        self.check = check


def variants(urn: str, last_ku: str, radios: int) -> list[Variant]:
    from playwright.sync_api import expect

    def check_single(page: Any) -> None:
        expect(page.get_by_role("slider")).to_be_visible()

    def check_workbook(page: Any) -> None:
        expect(page.get_by_role("textbox", name="Learner", exact=True)).to_be_visible()
        expect(page.get_by_role("radiogroup", name=re.compile(rf"\b{last_ku}\b"))).to_be_visible()

    def check_naive(page: Any) -> None:
        expect(page.get_by_role("textbox", name="Learner", exact=True)).to_be_visible()
        evidence = re.compile(rf"\bEvidence for {last_ku}\b")
        expect(page.get_by_role("textbox", name=evidence)).to_be_visible()
        expect(page.get_by_role("radio")).to_have_count(radios)

    return [
        Variant(
            "single",
            "one IntSlider",
            "single.ipynb",
            '() => countRole("slider") > 0',
            check_single,
        ),
        Variant(
            "workbook",
            f"{urn} workbook",
            f"{urn}.ipynb",
            f'() => byRole("textbox", "^Learner$") && byRole("radiogroup", "\\\\b{last_ku}\\\\b")',
            check_workbook,
        ),
        Variant(
            "naive",
            f"{urn} stock ipywidgets",
            "naive.ipynb",
            f'() => byRole("textbox", "^Learner$") && '
            f'byRole("textbox", "\\\\bEvidence for {last_ku}\\\\b") && '
            f'countRole("radio") >= {radios}',
            check_naive,
        ),
    ]


# --- Voila and its kernels ------------------------------------------------------------------


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def voila_server(directory: Path, env: dict[str, str], log: Path) -> Iterator[tuple[str, Path]]:
    """Standalone Voila serving `directory`; yields (base URL, the folder its kernels'
    connection files lie under: a TMPDIR of its own, where Voila makes its voila_* folder)."""
    port = testing.free_port()
    scratch = Path(tempfile.mkdtemp(prefix="voila-bench-"))
    cmd = testing.plain_voila_command(str(directory), port)
    proc = testing.start_logged(cmd, cwd=directory, env={**env, "TMPDIR": str(scratch)}, log=log)
    try:
        testing.wait_for_port(proc, port, log=log, timeout=SERVER_START_SECONDS, name="voila")
        yield f"http://127.0.0.1:{port}", scratch
    finally:
        testing.stop_server(proc, scratch, term_timeout=SERVER_STOP_SECONDS)
        shutil.rmtree(scratch, ignore_errors=True)


def wait_kernels_gone(scratch: Path) -> bool:
    """Wait for the closed page's kernel to shut down; kill it if it lingers. True if it went."""
    deadline = time.monotonic() + KERNEL_GONE_SECONDS
    while kernels := testing.kernels_in(scratch):
        if time.monotonic() > deadline:
            kill_all(list(kernels))
            return False
        time.sleep(0.1)
    return True


# --- 1. time to interactive -----------------------------------------------------------------


def load_once(browser: Any, url: str, variant: Variant) -> dict[str, float]:
    """One fresh page: returns ms from navigation start to each mark."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    try:
        context.set_default_timeout(LOAD_TIMEOUT_MS)
        context.add_init_script(variant.script)
        # Voila's folder page sets the _xsrf cookie that the page's kernel shut-down needs (as
        # nosworkbook serve's landing page does); fetched outside the page, so no asset is cached.
        context.request.get(f"{url}/")
        page = context.new_page()
        page.goto(f"{url}/voila/render/{variant.notebook}", wait_until="commit")
        page.wait_for_function("() => window.__nwbench && 'ready' in window.__nwbench")
        variant.check(page)  # the same controls, found by role and name as a test would
        marks = page.evaluate(
            """() => {
              const nav = performance.getEntriesByType("navigation")[0];
              return {...window.__nwbench, response_start: nav.responseStart,
                      response_end: nav.responseEnd,
                      dom_content_loaded: nav.domContentLoadedEventEnd};
            }"""
        )
        # Leave the page as a learner does: Voila's page asks the server to shut its kernel
        # down as it unloads (closing the context alone skips that, and the kernel lingers).
        page.goto("about:blank")
    finally:
        context.close()
    return {k: float(v) for k, v in marks.items()}


def measure_tti(
    served: Path, env: dict[str, str], logs: Path, vs: list[Variant], loads: int
) -> dict[str, Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=LOAD_TIMEOUT_MS)
    results: dict[str, list[dict[str, float]]] = {v.key: [] for v in vs}
    lingering = 0
    with (
        voila_server(served, env, logs / "voila.log") as (url, scratch),
        sync_playwright() as pw,
    ):
        browser = testing.launch_chromium(pw, timeout_ms=LOAD_TIMEOUT_MS)
        try:
            schedule = [(v, True) for v in vs] + [(v, False) for _ in range(loads) for v in vs]
            for variant, warm_up in tqdm(schedule, desc="Page loads", unit="load"):
                marks = load_once(browser, url, variant)
                if not warm_up:
                    results[variant.key].append(marks)
                lingering += not wait_kernels_gone(scratch)
        finally:
            browser.close()
    return {"loads": results, "killed_kernels": lingering}


# --- 2. widget models -----------------------------------------------------------------------


@contextlib.contextmanager
def patched_env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def count_models(texts: dict[str, str], store: Path) -> dict[str, dict[str, float]]:
    """Models each notebook creates, its code cells run in a fresh namespace in this process.

    `VOILA_KERNEL_ID` is set so the workbooks behave as under Voila (no automatic sign-in).
    """
    import ipywidgets
    from ipywidgets.widgets.widget import _instances

    counts = {}
    with patched_env(NOSWORKBOOK_STORE=str(store), VOILA_KERNEL_ID="benchmark"):
        for name, text in tqdm(texts.items(), desc="Widget models", unit="notebook"):
            ipywidgets.Widget.close_all()
            before = len(_instances)
            namespace: dict[str, Any] = {"__name__": "__main__"}
            start = time.perf_counter()
            for index, source in enumerate(code_cells(text)):
                exec(compile(source, f"{name}[{index}]", "exec"), namespace)
            seconds = time.perf_counter() - start
            counts[name] = {"models": len(_instances) - before, "seconds": seconds}
            ipywidgets.Widget.close_all()
    return counts


# --- 3. kernel memory -----------------------------------------------------------------------


def kernel_memory(cells: list[str], env: dict[str, str], home: Path) -> dict[str, float]:
    """Start a kernel, run `cells`, and read its memory and widget-model count."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(
        kernel_name="python3", connection_file=str(home / f"kernel-{time.monotonic_ns()}.json")
    )
    km.start_kernel(env={**env, "VOILA_KERNEL_ID": "benchmark"}, cwd=str(home))
    client = km.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=120)
        start = time.perf_counter()
        for source in cells:
            reply = client.execute_interactive(source, timeout=300, output_hook=lambda _m: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"cell failed: {reply['content'].get('evalue')}\n{source}")
        seconds = time.perf_counter() - start
        reply = client.execute_interactive(
            "",
            user_expressions={"models": "len(__import__('ipywidgets').widgets.widget._instances)"},
            timeout=60,
            output_hook=lambda _m: None,
        )
        models = int(reply["content"]["user_expressions"]["models"]["data"]["text/plain"])
        client.execute_interactive(  # a workbook opens its store on a thread: count it in
            "import threading\n"
            "for t in threading.enumerate():\n"
            "    if t.name == 'nosworkbook-store':\n"
            "        t.join()",
            timeout=60,
            output_hook=lambda _m: None,
        )
        time.sleep(0.5)  # let the kernel settle after the last reply
        proc = psutil.Process(km.provisioner.process.pid)
        info = proc.memory_full_info()
        return {"rss": info.rss / 2**20, "uss": info.uss / 2**20, "models": models, "s": seconds}
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def measure_memory(
    cases: dict[str, list[str]], env: dict[str, str], home: Path, repeats: int
) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {key: [] for key in cases}
    schedule = [key for _ in range(repeats) for key in cases]
    for key in tqdm(schedule, desc="Kernel memory", unit="kernel"):
        results[key].append(kernel_memory(cases[key], env, home))
    return results


# --- 4. generation --------------------------------------------------------------------------


def run_timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Run a command to completion; its wall time and CPU time (user + system), in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    wall = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_seconds(statement: str, module: str) -> float | None:
    """Seconds `import <statement>` spends importing `module` (cumulative, `-X importtime`)."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {statement}"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    for line in out.splitlines():
        parts = [part.strip() for part in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1]) / 1e6
    return None


def measure_generation(home: Path, api_repeats: int, cli_repeats: int) -> dict[str, Any]:
    """`workbook_texts()` in this process (catalog already loaded), then the command, interleaved
    with `nosworkbook --help` (the same interpreter start-up and imports, no work)."""
    from nosworkbook.generate import workbook_texts

    api = [timed(workbook_texts) for _ in tqdm(range(api_repeats), desc="workbook_texts()")]
    runs: dict[str, list[tuple[float, float]]] = {"generate": [], "help": [], "nbformat": []}
    files, lark = 0, []
    for n in tqdm(range(cli_repeats), desc="nosworkbook generate"):
        out = home / f"generated-{n}"
        command = [sys.executable, "-m", "nosworkbook", "generate", "--out", str(out)]
        runs["generate"].append(run_timed(command, home))
        files = len(list(out.glob("*.ipynb")))
        runs["help"].append(run_timed([sys.executable, "-m", "nosworkbook", "--help"], home))
        runs["nbformat"].append(run_timed([sys.executable, "-c", "import nbformat"], home))
        lark.append(import_seconds("nbformat", "rfc3987_syntax"))
    return {"api": api, **runs, "files": files, "rfc3987_syntax": lark}


# --- context: what the kernel imports cost --------------------------------------------------


def measure_imports(env: dict[str, str], urn: str, repeats: int) -> dict[str, list[float]]:
    """Wall time of a fresh interpreter importing what each notebook's cells import."""
    kernel = "import ipykernel.kernelapp\n"
    cases = {
        "bare Python": "pass",
        "import ipykernel": kernel,
        "ipykernel + import ipywidgets": kernel + "import ipywidgets",
        "ipykernel + import nosworkbook.workbook": kernel + "import nosworkbook.workbook",
        f"ipykernel + build Workbook({urn!r})": kernel
        + f"from nosworkbook.workbook import Workbook\nWorkbook({urn!r}, auto_sign_in=False)",
        "ipykernel + open the store alone (a workbook waits for sign-in)": kernel
        + "from nosworkbook.store import open_store\nopen_store()",
    }
    results: dict[str, list[float]] = {key: [] for key in cases}
    schedule = [key for _ in range(repeats) for key in cases]
    for key in tqdm(schedule, desc="Imports", unit="run"):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", cases[key]], env=env, check=True)
        results[key].append(time.perf_counter() - start)
    return results


# --- report ---------------------------------------------------------------------------------


def plot(tti: dict[str, Any], vs: list[Variant], info: dict[str, Any]) -> None:
    """Left: every load per notebook, with box and the target line; right: loads in run order."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (box, order) = plt.subplots(
        1, 2, figsize=(10, 4.2), dpi=120, gridspec_kw={"width_ratios": [3, 2]}, sharey=True
    )
    data = [[m["ready"] / 1000 for m in tti["loads"][v.key]] for v in vs]
    colours = [f"C{i}" for i in range(len(vs))]
    box.boxplot(data, widths=0.45, showfliers=False, medianprops={"color": "black"})
    for i, (values, colour) in enumerate(zip(data, colours, strict=True), start=1):
        n = len(values)
        xs = [i - 0.15 + 0.3 * k / max(n - 1, 1) for k in range(n)]
        box.scatter(xs, values, s=18, alpha=0.8, zorder=3, color=colour)
        order.plot(range(1, n + 1), values, marker="o", ms=4, color=colour, label=vs[i - 1].label)
    target = median(data[0]) * TARGET_RATIO
    for ax in (box, order):
        ax.axhline(target, color="tab:red", linestyle="--", linewidth=1)
        ax.grid(axis="y", alpha=0.3)
    box.plot([], [], color="tab:red", linestyle="--", label=f"target: {TARGET_RATIO} x one widget")
    box.legend(loc="lower right", fontsize=8)
    box.set_xticks(range(1, len(vs) + 1), [v.label for v in vs], fontsize=8)
    box.set_ylabel("time to interactive (s)")
    box.set_ylim(bottom=0)
    box.set_title(f"{len(data[0])} fresh loads each (medians: lines in boxes)", fontsize=9)
    order.set_xlabel("load (in run order; the notebooks take turns)")
    order.set_title("the same loads in order: the machine is shared", fontsize=9)
    order.legend(loc="lower right", fontsize=8)
    fig.suptitle(
        f"Voila time to interactive in headless Chromium; {info['nproc']} CPUs, {info['cpu']}, "
        f"{info['date']}",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(PNG)
    plt.close(fig)


def fmt_s(ms: float) -> str:
    return f"{ms / 1000:.2f}"


def summary(
    args: argparse.Namespace, tti: dict[str, Any] | None, generation: dict[str, Any] | None
) -> list[str]:
    """The targets of issue 3, met or not, in one line each."""
    lines = []
    if tti:
        single = median([m["ready"] for m in tti["loads"]["single"]])
        workbook = median([m["ready"] for m in tti["loads"]["workbook"]])
        naive = median([m["ready"] for m in tti["loads"]["naive"]])
        ratio = workbook / single
        verdict = "met" if ratio <= TARGET_RATIO else "missed"
        lines.append(
            f"- Time to interactive, {args.unit} workbook against one widget: {ratio:.2f} x "
            f"(target at most {TARGET_RATIO} x): **{verdict}**."
            f" The same unit in stock ipywidgets: {naive / single:.2f} x."
        )
    if generation:
        cli = median([w for w, _ in generation["generate"]])
        met = cli < TARGET_GENERATE_SECONDS
        lines.append(
            f"- `nosworkbook generate`, all workbooks: {cli:.2f} s (target under "
            f"{TARGET_GENERATE_SECONDS:g} s): **{'met' if met else 'missed'}**."
        )
    return ["## Summary", "", *lines, ""] if lines else []


def report(
    info: dict[str, Any],
    args: argparse.Namespace,
    vs: list[Variant] | None,
    tti: dict[str, Any] | None,
    models: dict[str, dict[str, float]] | None,
    memory: dict[str, list[dict[str, float]]] | None,
    generation: dict[str, Any] | None,
    imports: dict[str, list[float]] | None,
) -> str:
    urn = args.unit
    v = info["versions"]
    lines = [
        "# Workbooks: load time, widget models, kernel memory, generation",
        "",
        "Reproduce with `.venv/bin/python benchmarks/workbook_bench.py` (options: `--loads N`,",
        "`--quick`, `--only tti|models|memory|generate|imports`, `--no-write`, `--json FILE`,",
        "`--from-json FILE`). Its docstring says exactly what is timed. The machine is shared",
        "and noisy: figures are medians, and compared things were measured side by side in the",
        "same run, interleaved.",
        "",
        f"- Date: {info['date']}",
        f"- Machine: {info['nproc']} CPUs (nproc), {info['cpu']}, {info['ram_gib']:.0f} GiB RAM; "
        f"1-minute load average {info['load'][0]:.2f} at the start, "
        f"{info.get('load_end', info['load'])[0]:.2f} at the end (other people's jobs share it)",
        f"- Python {v['Python']}, {v['Chromium']} (headless, Debian), Voila {v.get('voila')}, "
        f"ipywidgets {v.get('ipywidgets')}, anywidget {v.get('anywidget')}, "
        f"ipykernel {v.get('ipykernel')}, Playwright {v.get('playwright')}",
        "",
    ]
    lines += summary(args, tti, generation)
    if tti and vs:
        lines += tti_section(urn, vs, tti)
    if models:
        lines += models_section(urn, models)
    if memory:
        lines += memory_section(urn, memory)
    if generation:
        lines += generation_section(generation)
    if imports:
        lines += imports_section(imports)
    return "\n".join(lines).rstrip() + "\n"


def paired(loads: dict[str, list[dict[str, float]]], key: str) -> float:
    """Median over rounds of this notebook's TTI divided by the one-widget TTI of that round."""
    pairs = zip(loads[key], loads["single"], strict=True)
    return median([m["ready"] / s["ready"] for m, s in pairs])


def split_text(vs: list[Variant], loads: dict[str, list[dict[str, float]]]) -> list[str]:
    """Server side (until the page is received) against browser side (after it), in words."""

    def split(key: str) -> tuple[float, float]:
        server = median([m["response_end"] for m in loads[key]])
        browser = median([m["ready"] - m["response_end"] for m in loads[key]])
        return server, browser

    base_server, base_browser = split("single")
    text = (
        f"The one-widget page spends {base_server:.0f} ms until the page is received (Voila "
        f"starts a kernel and runs the cells) and {base_browser:.0f} ms after it (scripts, "
        "kernel connection, widget state, drawing): that is the floor every Voila page pays."
    )
    for variant in vs[1:]:
        server, browser = split(variant.key)
        text += (
            f" The {variant.label} adds {server - base_server:+.0f} ms on the server side and "
            f"{browser - base_browser:+.0f} ms in the browser."
        )
    server, browser = split("naive")
    side = "the kernel" if server - base_server > browser - base_browser else "the browser"
    text += (
        f" Most of what the stock build adds is spent in {side}: the kernel creates every model "
        "and opens a comm for each before the page is complete, while ipywidgets 8 fetches "
        "all states in one request. A slower client than this headless Chromium on a server "
        "CPU (a classroom laptop) would pay more for drawing its views; that is not measured."
    )
    return [text]


def tti_section(urn: str, vs: list[Variant], tti: dict[str, Any]) -> list[str]:
    loads = tti["loads"]
    n = len(loads[vs[0].key])
    single = median([m["ready"] for m in loads["single"]])
    lines = [
        f"## 1. Time to interactive in Chromium ({n} loads each)",
        "",
        "Standalone Voila serving all three notebooks; each load a fresh browser context and a",
        "fresh kernel, the notebooks loaded in turn (A, B, C, A, B, C, ...) after one warm-up",
        "each; a load starts only after the previous page's kernel has shut down. Interactive:",
        'from navigation start until the sign-in textbox "Learner" and the radio group of the',
        "last knowledge item (`KU28`) are visible; for the stock-ipywidgets build, until",
        '"Learner", the textbox "Evidence for KU28" and all 159 radios are visible; for the',
        "one-widget notebook, until its slider is visible. The workbook is the generated",
        f"`{urn}.ipynb` (53 items, the unit issue 3 names as largest; INSCS001 has 54). Its",
        "radios show disabled until the learner signs in, so visible is the fair end point.",
        "",
        "| Notebook | Median s | Min s | p90 s | Median / one widget |",
        "|---|--:|--:|--:|--:|",
    ]
    for variant in vs:
        ready = [m["ready"] for m in loads[variant.key]]
        lines.append(
            f"| {variant.label} | {fmt_s(median(ready))} | {fmt_s(min(ready))} | "
            f"{fmt_s(p90(ready))} | {median(ready) / single:.2f} |"
        )
    workbook = median([m["ready"] for m in loads["workbook"]])
    ratio = workbook / single
    verdict = "met" if ratio <= TARGET_RATIO else "missed"
    lines += [
        "",
        f"Target (issue 3): the {urn} workbook within {TARGET_RATIO} x the one-widget "
        f"notebook. **{verdict.capitalize()}**: {ratio:.2f} x "
        f"({fmt_s(workbook)} s against {fmt_s(single)} s). The median of the per-round "
        f"ratios (each workbook load over the one-widget load just before it), which drift "
        f"in the machine's load affects less: {paired(loads, 'workbook'):.2f} x; for the "
        f"stock-ipywidgets build {paired(loads, 'naive'):.2f} x.",
        "",
        f"![Time to interactive per load]({PNG.name})",
        "",
        "Where the time goes (medians, ms from navigation start; each column is its own",
        "median, so they need not add up): first byte of the page, the page fully received,",
        "DOMContentLoaded, first widget view drawn in an output, interactive. Voila runs the",
        'notebook while it streams the page, so "page received" includes the kernel start and',
        "the cells; after it the page's scripts load, connect to the kernel, fetch every widget",
        "model's state and draw the views.",
        "",
        "| Notebook | First byte | Page received | DOM loaded | First widget | Interactive |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for variant in vs:
        marks = loads[variant.key]

        def col(key: str, marks: list[dict[str, float]] = marks) -> str:
            values = [m[key] for m in marks if key in m]
            return f"{median(values):.0f}" if values else "-"

        lines.append(
            f"| {variant.label} | {col('response_start')} | {col('response_end')} | "
            f"{col('dom_content_loaded')} | {col('widget')} | {col('ready')} |"
        )
    lines += ["", *split_text(vs, loads), "", "Every load, seconds to interactive, in order:", ""]
    lines += ["| Load | " + " | ".join(v.label for v in vs) + " |"]
    lines += ["|--:|" + "--:|" * len(vs)]
    for i in range(n):
        lines.append(
            f"| {i + 1} | " + " | ".join(fmt_s(loads[v.key][i]["ready"]) for v in vs) + " |"
        )
    if tti["killed_kernels"]:
        lines += ["", f"{tti['killed_kernels']} kernel(s) outlived their page and were killed."]
    return lines + [""]


def models_section(urn: str, models: dict[str, dict[str, float]]) -> list[str]:
    units = {k: v for k, v in models.items() if re.fullmatch(r"INSCS\d{3}\.ipynb", k)}
    counts = [v["models"] for v in units.values()]
    seconds = [v["seconds"] * 1000 for v in units.values()]
    naive = models.get("naive.ipynb")
    lines = [
        "## 2. Widget models per notebook",
        "",
        "Each notebook's code cells run in a fresh namespace in one process (as under Voila: no",
        "automatic sign-in), counting the models in ipywidgets' registry",
        "(`ipywidgets.widgets.widget._instances`) before and after. Every anywidget is two",
        "models: the widget and its `Layout`.",
        "",
        "| Notebooks | Models min | median | max | Cells run, median ms |",
        "|---|--:|--:|--:|--:|",
        f"| all {len(units)} unit workbooks | {min(counts)} | {median(counts):g} | "
        f"{max(counts)} | {median(seconds):.1f} |",
    ]
    if f"{urn}.ipynb" in models:
        m = models[f"{urn}.ipynb"]
        lines.append(f"| {urn} workbook | {m['models']} | | | {m['seconds'] * 1000:.1f} |")
    if "index.ipynb" in models:
        m = models["index.ipynb"]
        lines.append(f"| index | {m['models']} | | | {m['seconds'] * 1000:.1f} |")
    if naive:
        lines.append(
            f"| {urn} stock ipywidgets | {naive['models']} | | | {naive['seconds'] * 1000:.1f} |"
        )
    usual = median(counts)
    odd = [f"{k.removesuffix('.ipynb')} ({v['models']:g})" for k, v in units.items()]
    odd = [o for o, v in zip(odd, units.values(), strict=True) if v["models"] != usual]
    lines += [
        "",
        f"Every workbook is sign-in, two checklists and progress: {usual:g} models"
        + (f"; more in {', '.join(odd)}, which also show exercise widgets." if odd else "."),
    ]
    return lines + [""]


def memory_section(urn: str, memory: dict[str, list[dict[str, float]]]) -> list[str]:
    labels = {
        "bare": "bare kernel, ran `1+1`",
        "workbook": f"{urn} workbook",
        "naive": f"{urn} stock ipywidgets",
    }
    n = len(next(iter(memory.values())))
    bare = median([r["rss"] for r in memory["bare"]])
    lines = [
        f"## 3. Kernel memory (median of {n}, interleaved)",
        "",
        "A kernel started with jupyter_client's KernelManager runs the notebook's code cells",
        "(as under Voila: no automatic sign-in; the workbook opens its store on a thread, which",
        "the script waits for); then its RSS and USS (memory only this process holds) are read",
        "with psutil, and its model count.",
        "",
        "| Kernel | RSS MiB | USS MiB | RSS over bare MiB | Models in kernel | Cells run, s |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for key, runs in memory.items():
        rss = median([r["rss"] for r in runs])
        lines.append(
            f"| {labels.get(key, key)} | {rss:.1f} | {median([r['uss'] for r in runs]):.1f} | "
            f"{rss - bare:+.1f} | {median([r['models'] for r in runs]):g} | "
            f"{median([r['s'] for r in runs]):.2f} |"
        )
    if {"workbook", "naive"} <= memory.keys():
        workbook = median([r["rss"] for r in memory["workbook"]])
        naive = median([r["rss"] for r in memory["naive"]])
        lines += [
            "",
            "A kernel's memory is set by what it imports (ipywidgets, anywidget, the catalog "
            "with pydantic, the store with SQLAlchemy), not by its widget models: the stock "
            "build with "
            f"{median([r['models'] for r in memory['naive']]):g} models holds {naive:.1f} MiB, "
            f"the workbook with {median([r['models'] for r in memory['workbook']]):g} holds "
            f"{workbook:.1f} MiB.",
        ]
    return lines + [""]


def generation_section(gen: dict[str, Any]) -> list[str]:
    def row(what: str, runs: list[tuple[float, float]]) -> str:
        wall = [w for w, _ in runs]
        cpu = [c for _, c in runs]
        return (
            f"| {what} | {len(runs)} | {median(wall):.2f} | {min(wall):.2f} | {max(wall):.2f} "
            f"| {median(cpu):.2f} |"
        )

    cli = median([w for w, _ in gen["generate"]])
    cpu = median([c for _, c in gen["generate"]])
    startup = median([w for w, _ in gen["help"]])
    nbf = median([w for w, _ in gen["nbformat"]])
    found = [t for t in gen["rfc3987_syntax"] if t is not None]
    lark_text = (
        f"{median(found):.2f} s of it in jsonschema's optional `rfc3987_syntax` (installed here "
        "because jupyter-events asks for `jsonschema[format-nongpl]`), which compiles a Lark "
        "grammar when imported (median of `python -X importtime`)"
        if found
        else "(`rfc3987_syntax` is not installed here)"
    )
    verdict = "Met" if cli < TARGET_GENERATE_SECONDS else "Missed"
    api = gen["api"]
    return [
        "## 4. Generation time",
        "",
        "The command (each time into a new empty folder) runs in turn with `nosworkbook --help`",
        "(interpreter start-up and the CLI's imports, no work) and with a bare `import nbformat`",
        "(which `generate` imports on top). CPU is user + system time of the process, which",
        "other users of the machine disturb less than wall time.",
        "",
        "| What | Runs | Median s | Min s | Max s | CPU median s |",
        "|---|--:|--:|--:|--:|--:|",
        f"| `workbook_texts()` in-process (catalog loaded) | {len(api)} | {median(api):.3f} "
        f"| {min(api):.3f} | {max(api):.3f} | |",
        row("`nosworkbook generate --out <new dir>`", gen["generate"]),
        row("`nosworkbook --help` (start-up only)", gen["help"]),
        row("`python -c 'import nbformat'`", gen["nbformat"]),
        "",
        f"Target (issue 3): all 44 workbooks (and the index: {gen['files']} files) in under "
        f"{TARGET_GENERATE_SECONDS:g} s. **{verdict}**: {cli:.2f} s wall ({cpu:.2f} s CPU) "
        f"for the whole command. Building the notebooks takes {median(api):.2f} s; the CLI's "
        f"start-up {startup:.2f} s; importing nbformat {nbf:.2f} s, "
        f"{lark_text}.",
        "",
    ]


def imports_section(imports: dict[str, list[float]]) -> list[str]:
    n = len(next(iter(imports.values())))
    base = median(imports["bare Python"])
    lines = [
        f"## Context: what a kernel pays before its first widget (median of {n})",
        "",
        "A fresh interpreter (`python -c ...`, the venv's Python) importing what a kernel and",
        "each notebook import, interleaved. This is paid by every page load, inside",
        "the kernel, before any widget can reach the browser.",
        "",
        "| Interpreter runs | Median s | Over bare Python s |",
        "|---|--:|--:|",
    ]
    for key, values in imports.items():
        lines.append(f"| {key} | {median(values):.2f} | {median(values) - base:+.2f} |")
    return lines + [""]


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=10, help="measured page loads per notebook")
    parser.add_argument("--memory-repeats", type=int, default=3, help="kernels per case")
    parser.add_argument("--unit", default="INSCS008", help="the unit whose workbook is loaded")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 3 loads, 1 kernel, few repeats"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=["tti", "models", "memory", "generate", "imports"],
        help="run only these measurements (repeatable)",
    )
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="do not rewrite the .md/.png (implied by --only: they hold a full run)",
    )
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON here")
    parser.add_argument(
        "--from-json", type=Path, help="measure nothing: rewrite the report from a --json file"
    )
    args = parser.parse_args()
    if args.quick:
        args.loads, args.memory_repeats = min(args.loads, 3), 1
    wanted = set(args.only or ["tti", "models", "memory", "generate", "imports"])
    sigterm_as_ctrl_c()  # clean up on kill as on Ctrl-C

    from nosworkbook.catalog import load
    from nosworkbook.generate import workbook_texts

    if args.from_json:
        raw = json.loads(args.from_json.read_text())
        args.unit = raw["unit"]
        unit = load()[args.unit]
        vs = variants(args.unit, unit.knowledge[-1].short_id, 0)
        parts = [raw[k] for k in ("tti", "models", "memory", "generation", "imports")]
        publish(args, raw["machine"], vs, *parts)
        return

    info = describe_machine()
    unit = load()[args.unit]
    last_ku = unit.knowledge[-1].short_id
    radios = (len(unit.performance) + len(unit.knowledge)) * len(SCALE)
    vs = variants(args.unit, last_ku, radios)
    texts = workbook_texts()
    naive_text = nbformat.writes(naive_notebook(args.unit))
    tti = models = memory = generation = imports = None

    with tempfile.TemporaryDirectory(prefix="workbook-bench-") as tmp:
        home = Path(tmp)
        served = home / "served"
        served.mkdir()
        (served / f"{args.unit}.ipynb").write_text(texts[f"{args.unit}.ipynb"])
        (served / "naive.ipynb").write_text(naive_text)
        nbformat.write(single_notebook(), served / "single.ipynb")
        env = testing.jupyter_env(home, NOSWORKBOOK_STORE=str(home / "store.sqlite"))

        if "generate" in wanted:
            generation = measure_generation(home, 3 if args.quick else 10, 2 if args.quick else 5)
        if "models" in wanted:
            models = count_models({**texts, "naive.ipynb": naive_text}, home / "models.sqlite")
        if "memory" in wanted:
            cases = {
                "bare": ["1+1"],
                "workbook": code_cells(texts[f"{args.unit}.ipynb"]),
                "naive": code_cells(naive_text),
            }
            memory = measure_memory(cases, env, home, args.memory_repeats)
        if "imports" in wanted:
            imports = measure_imports(env, args.unit, 2 if args.quick else 5)
        if "tti" in wanted:
            tti = measure_tti(served, env, home, vs, args.loads)

    info["load_end"] = os.getloadavg()
    if args.json:
        raw = {
            "unit": args.unit,
            "machine": info,
            "tti": tti,
            "models": models,
            "memory": memory,
            "generation": generation,
            "imports": imports,
        }
        args.json.write_text(json.dumps(raw, indent=1, default=str))
    publish(args, info, vs, tti, models, memory, generation, imports)


def publish(args: argparse.Namespace, info: dict[str, Any], vs: list[Variant], *parts: Any) -> None:
    """Print the report; rewrite workbooks.md and the plot after a full run."""
    tti = parts[0]
    text = report(info, args, vs, *parts)
    print(text)
    if not (args.no_write or args.only):
        MARKDOWN.write_text(text)
        if tti:
            plot(tti, vs, info)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
