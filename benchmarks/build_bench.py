"""Cohort builds: `nosworkbook build --jobs 2` against one `papermill` command per unit.

    .venv/bin/python benchmarks/build_bench.py              # full run (~10 min); rewrites
                                                            # benchmarks/builds.md and .png
    .venv/bin/python benchmarks/build_bench.py --quick --no-write   # smoke run: 8 units, 2 rounds
    .venv/bin/python benchmarks/build_bench.py --runs 5
    .venv/bin/python benchmarks/build_bench.py --json raw.json      # keep the raw figures;
    .venv/bin/python benchmarks/build_bench.py --from-json raw.json # re-render from them

What is timed (issue 5), each as a subprocess, wall time from start to exit:

A. The command, end to end: `nosworkbook build <cohort> --out <new dir> --jobs 2 --force`
   for a cohort with `units: all` (44 units and the index: 45 notebooks).
B. The naive baseline: for each unit in turn, and then the index, one
   `papermill workbooks/<name>.ipynb <dir>/<name>.ipynb -f <params.yaml> -k python3
   --no-progress-bar`, on the committed workbooks, with exactly the parameters the build
   injects (`Cohort.parameters()`, plus `units` for the index, as the build does).

Both run with NOSWORKBOOK_BUILD=1 and NOSWORKBOOK_STORE on a scratch SQLite file (no learner is
signed in), and with TMPDIR and JUPYTER_RUNTIME_DIR inside the benchmark's scratch folder.
Runs are interleaved (A, B, A, B, ...) after an untimed warm-up. CPU is user + system time of
the finished process tree (getrusage of waited children). Afterwards the outputs of the last
round are checked (every code cell executed, no error output) and their sizes compared, and a
few pieces are timed on their own (median of 3) to show where the time goes.

Every process the script starts (builds, papermill, kernels) is stopped and every temporary
folder removed on exit, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from common import HERE, ROOT, machine, versions

from nosworkbook.testing import start_logged

VENV_BIN = Path(sys.executable).parent
WORKBOOKS = ROOT / "workbooks"
PNG = HERE / "builds.png"
MARKDOWN = HERE / "builds.md"

TARGET_RATIO = 0.6
TARGET_BYTES = 100_000
JOBS = 2
SLUG = "bench"
COHORT_YAML = """\
name: Build benchmark
slug: {slug}
organisation: Example Ltd
sector: retail
units: {units}
"""
QUICK_UNITS = "INSCS001-INSCS008"
LARGEST = "INSCS008.ipynb"
BREAKDOWN_REPEATS = 3

# Run in a fresh interpreter: one worker's cost per notebook, without the pool.
PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
import papermill
from nosworkbook.cohorts.build import _kernel_manager_class, _worker_setup, execute_one, sources_for
from nosworkbook.cohorts import load_cohort
t1 = time.perf_counter()
cohort_file, folder, name = sys.argv[1:4]
cohort = load_cohort(cohort_file)
source = sources_for(cohort)[name]
_worker_setup(folder)
km = _kernel_manager_class()(kernel_name="python3")
t2 = time.perf_counter()
km.start_kernel()
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=120)
t3 = time.perf_counter()
kc.stop_channels()
km.shutdown_kernel()
t4 = time.perf_counter()
first = execute_one(name, source, cohort.parameters(), folder)
t5 = time.perf_counter()
second = execute_one(name, source, cohort.parameters(), folder)
t6 = time.perf_counter()
assert first.status == second.status == "built", (first.error, second.error)
print(json.dumps({"imports": t1 - t0, "kernel_ready": t3 - t2, "kernel_stop": t4 - t3,
                  "execute_first": t5 - t4, "execute": t6 - t5}))
"""


# --- processes and clean-up ------------------------------------------------------------------


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled as Ctrl-C so the clean-up runs."""


def _on_signal(signum: int, _frame: Any) -> None:
    raise Interrupted(signal.Signals(signum).name)


def stop_descendants() -> int:
    """Stop every process this script started, and theirs (kernels run in their own sessions,
    so a process group would miss them); returns how many were still running."""
    try:
        procs = psutil.Process().children(recursive=True)
    except psutil.Error:
        return 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=5)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)
    return len(procs)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """Run a command to completion; returns (wall s, CPU s of its process tree)."""
    cpu = children_cpu()
    start = time.perf_counter()
    rc = start_logged(cmd, cwd=ROOT, env=env, log=log, append=True).wait()
    wall = time.perf_counter() - start
    if rc != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(cmd)} exited {rc}:\n{tail}")
    return wall, children_cpu() - cpu


def bench_env(folder: Path) -> dict[str, str]:
    """No learner signed in, a throwaway store, every temporary file inside `folder`."""
    for sub in ("tmp", "runtime"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "NOSWORKBOOK_BUILD": "1",
        "NOSWORKBOOK_STORE": str(folder / "store.sqlite"),
        "TMPDIR": str(folder / "tmp"),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    env.pop("JUPYTERHUB_USER", None)
    return env


# --- machine ---------------------------------------------------------------------------------


def describe_machine() -> dict[str, Any]:
    git = {}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]
        status = ["git", "-C", str(ROOT), "status", "--porcelain", "--", "nosworkbook"]
        git["commit"] = subprocess.run(head, capture_output=True, text=True).stdout.strip()
        changed = subprocess.run(status, capture_output=True, text=True).stdout.splitlines()
        git["package_files_changed"] = len(changed)
    info = machine(versions("papermill", "nbclient", "nbformat", "jupyter_client", "ipykernel"))
    load = info.pop("load")
    return {"git": git, **info, "load_start": load[0]}


# --- the two ways to build -------------------------------------------------------------------


def prepare(scratch: Path, quick: bool) -> dict[str, Any]:
    """The cohort file, the parameter files and the list of notebooks, in the build's order."""
    import yaml

    from nosworkbook.cohorts import load_cohort
    from nosworkbook.cohorts.build import sources_for

    cohort_file = scratch / "cohort.yaml"
    units = QUICK_UNITS if quick else "all"
    cohort_file.write_text(COHORT_YAML.format(slug=SLUG, units=units), encoding="utf-8")
    cohort = load_cohort(cohort_file)
    params = cohort.parameters()
    params_file = scratch / "params.yaml"
    index_file = scratch / "index-params.yaml"
    params_file.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    index_params = {**params, "units": list(cohort.units)}
    index_file.write_text(yaml.safe_dump(index_params, sort_keys=False), encoding="utf-8")
    sources = sources_for(cohort)
    names = list(sources)  # the units, then index.ipynb
    same = [n for n in names if (WORKBOOKS / n).read_text(encoding="utf-8") == sources[n]]
    return {
        "cohort_file": str(cohort_file),
        "params_file": str(params_file),
        "index_params_file": str(index_file),
        "parameters": params,
        "names": names,
        "inputs_identical": len(same),
    }


def run_a(setup: dict[str, Any], folder: Path) -> dict[str, Any]:
    env = bench_env(folder)
    out = folder / "out"
    cmd = [
        str(VENV_BIN / "nosworkbook"),
        "build",
        setup["cohort_file"],
        "--out",
        str(out),
        "--jobs",
        str(JOBS),
        "--force",
    ]
    load = os.getloadavg()[0]
    wall, cpu = run(cmd, env, folder / "a.log")
    leaked = sorted(p.name for p in (folder / "tmp").iterdir())
    return {
        "wall": wall,
        "cpu": cpu,
        "load": load,
        "out": str(out / SLUG),
        "tmp_left": len([n for n in leaked if n.startswith("nosw-kernel-")]),
        "tmp_left_other": len([n for n in leaked if not n.startswith("nosw-kernel-")]),
    }


def run_b(setup: dict[str, Any], folder: Path) -> dict[str, Any]:
    env = bench_env(folder)
    out = folder / "out"
    out.mkdir()
    load = os.getloadavg()[0]
    per: dict[str, float] = {}
    cpu = 0.0
    start = time.perf_counter()
    for name in setup["names"]:
        params = setup["index_params_file"] if name == "index.ipynb" else setup["params_file"]
        cmd = [
            str(VENV_BIN / "papermill"),
            str(WORKBOOKS / name),
            str(out / name),
            "-f",
            params,
            "-k",
            "python3",
            "--no-progress-bar",
        ]
        per[name], used = run(cmd, env, folder / "b.log")
        cpu += used
    wall = time.perf_counter() - start
    return {"wall": wall, "cpu": cpu, "load": load, "per": per, "out": str(out)}


def warm_up(setup: dict[str, Any], scratch: Path) -> None:
    """Untimed: page the interpreter, papermill, the kernel and the catalog into the cache."""
    folder = scratch / "warm-up"
    env = bench_env(folder)
    run([str(VENV_BIN / "nosworkbook"), "--help"], env, folder / "log")
    run(
        [
            str(VENV_BIN / "papermill"),
            str(WORKBOOKS / "index.ipynb"),
            str(folder / "index.ipynb"),
            "-f",
            setup["index_params_file"],
            "-k",
            "python3",
            "--no-progress-bar",
        ],
        env,
        folder / "log",
    )
    shutil.rmtree(folder, ignore_errors=True)


# --- outputs ---------------------------------------------------------------------------------


def check_notebook(path: Path) -> dict[str, Any]:
    """Size, whether every code cell ran without error, and the bytes of stored widget state."""
    from nosworkbook.cohorts.build import lean

    raw = path.read_bytes()
    nb = json.loads(raw)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    executed = all(c.get("execution_count") is not None for c in code)
    errors = sum(1 for c in code for o in c.get("outputs", []) if o.get("output_type") == "error")

    def dump(notebook: dict[str, Any]) -> int:
        # as nbformat (and so papermill) writes a notebook
        return len(
            (json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
        )

    full = dump(nb)
    widgets = nb.get("metadata", {}).get("widgets")
    without = dump({**nb, "metadata": {k: v for k, v in nb["metadata"].items() if k != "widgets"}})
    return {
        "bytes": len(raw),
        "ok": executed and not errors,
        "widget_state": full - without if widgets is not None else 0,
        "lean_bytes": dump(lean(json.loads(raw))),
    }


def outputs(folder: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    return {name: check_notebook(folder / name) for name in names}


# --- where the time goes ---------------------------------------------------------------------


def breakdown(setup: dict[str, Any], scratch: Path, built: Path) -> dict[str, list[float]]:
    """Pieces of both builds timed on their own, interleaved, BREAKDOWN_REPEATS times."""
    folder = scratch / "breakdown"
    env = bench_env(folder)
    log = folder / "log"
    found: dict[str, list[float]] = {}
    name = LARGEST if LARGEST in setup["names"] else setup["names"][0]
    noop = [
        str(VENV_BIN / "nosworkbook"),
        "build",
        setup["cohort_file"],
        "--out",
        str(built.parent),
        "--jobs",
        str(JOBS),
    ]
    commands = {
        "python": [sys.executable, "-c", "pass"],
        "papermill_help": [str(VENV_BIN / "papermill"), "--help"],
        "nosworkbook_help": [str(VENV_BIN / "nosworkbook"), "--help"],
        "build_noop": noop,
    }
    for repeat in range(BREAKDOWN_REPEATS):
        for key, cmd in commands.items():
            if key != "build_noop":
                found.setdefault(key, []).append(run(cmd, env, log)[0])
                continue
            # Others may edit the package meanwhile, which changes its fingerprint: then the
            # first call rebuilds, and the next one is the no-op being timed.
            for attempt in range(3):
                noop_log = folder / f"noop-{repeat}-{attempt}.log"
                wall = run(cmd, env, noop_log)[0]
                if ": built 0, " in noop_log.read_text(errors="replace"):
                    found.setdefault(key, []).append(wall)
                    break
                found["noop_rebuilt"] = found.get("noop_rebuilt", []) + [1.0]
            else:
                raise RuntimeError(f"nosworkbook build rebuilt every time:\n{noop_log}")
        probe_dir = folder / "probe"
        probe_dir.mkdir(exist_ok=True)
        result = subprocess.run(
            [sys.executable, "-c", PROBE, setup["cohort_file"], str(probe_dir), name],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            start_new_session=True,
        )
        for key, value in json.loads(result.stdout.strip().splitlines()[-1]).items():
            found.setdefault(key, []).append(value)
    found["probe_notebook"] = [float(setup["names"].index(name))]
    return found


# --- report ----------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def kb(n: float) -> str:
    return f"{n / 1000:.1f}"


def size_stats(files: dict[str, dict[str, Any]], key: str = "bytes") -> dict[str, float]:
    sizes = [f[key] for f in files.values()]
    return {
        "min": min(sizes),
        "median": median(sizes),
        "max": max(sizes),
        "total": sum(sizes),
        "largest": files.get(LARGEST, {}).get(key, 0),
        "under_target": sum(1 for s in sizes if s < TARGET_BYTES),
    }


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    a, b = raw["a"], raw["b"]
    n = len(raw["setup"]["names"])
    a_med, b_med = median([r["wall"] for r in a]), median([r["wall"] for r in b])
    per_b = [s for r in b for s in r["per"].values()]
    return {
        "n": n,
        "a": a_med,
        "b": b_med,
        "ratio": a_med / b_med,
        "round_ratio": median([x["wall"] / y["wall"] for x, y in zip(a, b, strict=True)]),
        "a_cpu": median([r["cpu"] for r in a]),
        "b_cpu": median([r["cpu"] for r in b]),
        "a_per": a_med / n,
        "b_per": b_med / n,
        "b_per_run_median": median(per_b),
        "b_per_min": min(per_b),
        "b_per_max": max(per_b),
        "met": a_med / b_med <= TARGET_RATIO,
    }


def plot(raw: dict[str, Any], s: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a, b = raw["a"], raw["b"]
    fig, (times, sizes) = plt.subplots(
        1, 2, figsize=(11, 4.2), dpi=120, gridspec_kw={"width_ratios": [2, 3]}
    )
    rounds = range(1, len(a) + 1)
    width = 0.38
    times.bar(
        [r - width / 2 for r in rounds],
        [x["wall"] for x in a],
        width,
        label=f"A: nosworkbook build --jobs {JOBS}",
        color="#2b6cb0",
    )
    times.bar(
        [r + width / 2 for r in rounds],
        [x["wall"] for x in b],
        width,
        label="B: papermill per unit, in sequence",
        color="#c05621",
    )
    times.axhline(
        TARGET_RATIO * s["b"], color="black", ls="--", lw=1, label="target: 0.6 x median B"
    )
    times.set_xticks(list(rounds))
    times.set_xlabel("round (A then B)")
    times.set_ylabel(f"wall time, s ({s['n']} notebooks)")
    times.set_title(f"Build time: A/B = {s['ratio']:.2f} (median)")
    times.legend(fontsize=8, loc="upper left")
    times.set_ylim(0, max(x["wall"] for x in b) * 1.3)

    files_a, files_b = raw["sizes"]["a"], raw["sizes"]["b"]
    names = raw["setup"]["names"]
    xs = range(len(names))
    sizes.plot(xs, [files_b[n]["bytes"] / 1000 for n in names], "o", ms=4, color="#c05621")
    sizes.plot(xs, [files_a[n]["bytes"] / 1000 for n in names], "o", ms=4, color="#2b6cb0")
    sizes.axhline(TARGET_BYTES / 1000, color="black", ls="--", lw=1)
    sizes.text(0, TARGET_BYTES / 1000 * 0.97, "target: under 100 KB", fontsize=8, va="top")
    sizes.set_xticks(list(xs))
    sizes.set_xticklabels(
        [n.removesuffix(".ipynb").replace("INSCS", "") for n in names], rotation=90, fontsize=6
    )
    sizes.set_xlabel("notebook (INSCS unit number, then the index)")
    sizes.set_ylabel("output size, KB")
    sizes.set_ylim(0, None)
    sizes.legend(
        ["B: papermill (widget state kept)", "A: nosworkbook build (lean)"],
        fontsize=8,
        loc="center right",
    )
    sizes.set_title("Output size per notebook")
    fig.tight_layout()
    fig.savefig(PNG)
    plt.close(fig)


def markdown(raw: dict[str, Any], s: dict[str, Any]) -> str:
    m, setup, a, b = raw["machine"], raw["setup"], raw["a"], raw["b"]
    files_a, files_b = raw["sizes"]["a"], raw["sizes"]["b"]
    sa, sb = size_stats(files_a), size_stats(files_b)
    sb_lean = size_stats(files_b, "lean_bytes")
    v = m["versions"]
    n = s["n"]
    units = n - 1
    met = "**Met**" if s["met"] else "**Not met**"
    size_met = "**met**" if sa["under_target"] == n else "**not met**"
    widget_share = sum(f["widget_state"] for f in files_b.values()) / sb["total"]
    mode = "" if units == 44 else f" (a quick run: {units} units only, not the issue's 44)"
    ok_a = sum(f["ok"] for f in files_a.values())
    ok_b = sum(f["ok"] for f in files_b.values())
    lines = [
        "# Cohort builds: `nosworkbook build --jobs 2` against papermill per unit",
        "",
        "Reproduce with `.venv/bin/python benchmarks/build_bench.py` (options: `--runs N`,",
        "`--quick`, `--no-write`, `--json FILE`, `--from-json FILE`). Its docstring says exactly",
        "what is timed. The machine is shared and noisy: figures are medians, and A and B were",
        "measured side by side in the same run, interleaved (A, B, A, B, ...).",
        "",
        f"- Date: {m['date']}",
        f"- Machine: {m['nproc']} CPUs (nproc), {m['cpu']}, {m['ram_gib']:.0f} GiB RAM; 1-minute "
        f"load average {m['load_start']:.2f} at the start, {m['load_end']:.2f} at the end "
        "(other people's jobs share it)",
        "- " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- Code: commit {m.get('git', {}).get('commit', '?')}, with "
        f"{m.get('git', {}).get('package_files_changed', '?')} uncommitted changes under "
        "`nosworkbook/` at the start (others were working in the same tree; both A and B run "
        "the same package, so they are equally affected)",
        "",
        "## Summary",
        "",
        f"- Building {units} units and the index ({n} notebooks){mode}: `nosworkbook build "
        f"--jobs {JOBS}` {s['a']:.1f} s against {s['b']:.1f} s for one `papermill` command per "
        f"notebook in sequence: **{s['ratio']:.2f} x** (target at most {TARGET_RATIO} x on two "
        f"cores): {met.lower()}.",
        f"- Output size: every built notebook under 100 KB ({sa['under_target']} of {n}; largest "
        f"{kb(sa['max'])} KB): {size_met}. The naive papermill outputs are "
        f"{sb['total'] / sa['total']:.1f} x larger in total ({kb(sb['total'])} KB against "
        f"{kb(sa['total'])} KB); {sb['under_target']} of {n} of them are under 100 KB.",
        "",
        f"## 1. Build time ({len(a)} round{'s' if len(a) > 1 else ''}, interleaved)",
        "",
        f"A: `nosworkbook build cohort.yaml --out <new dir> --jobs {JOBS} --force`, the command "
        "end to end as a subprocess, for a cohort file with `units: "
        f"{'all' if units == 44 else QUICK_UNITS}`, organisation "
        "`Example Ltd`, sector `retail`. B: for each notebook in turn, "
        "`papermill workbooks/<name>.ipynb <dir>/<name>.ipynb -f params.yaml -k python3 "
        "--no-progress-bar`, where params.yaml holds exactly what the build injects "
        f"(`Cohort.parameters()`: {', '.join(setup['parameters'])}; the index also gets "
        "`units`). "
        f"The committed workbooks B executes are byte-identical to the sources the build "
        f"generates for {setup['inputs_identical']} of the {n} notebooks"
        + (
            "."
            if setup["inputs_identical"] == n
            else " (a quick run's index lists only its units, so it differs)."
        )
        + " Both ran with `NOSWORKBOOK_BUILD=1` and a scratch `NOSWORKBOOK_STORE`. CPU is user "
        "+ system time of the whole process tree (kernels included).",
        "",
        "| Round | A s | B s | A / B | A CPU s | B CPU s | load at A | load at B |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for i, (x, y) in enumerate(zip(a, b, strict=True), 1):
        lines.append(
            f"| {i} | {x['wall']:.1f} | {y['wall']:.1f} | {x['wall'] / y['wall']:.2f} | "
            f"{x['cpu']:.1f} | {y['cpu']:.1f} | {x['load']:.2f} | {y['load']:.2f} |"
        )
    lines += [
        f"| **median** | **{s['a']:.1f}** | **{s['b']:.1f}** | **{s['ratio']:.2f}** | "
        f"{s['a_cpu']:.1f} | {s['b_cpu']:.1f} | | |",
        "",
        f"Target (issue 5): A at most {TARGET_RATIO} x B on two cores. {met}: "
        f"{s['ratio']:.2f} x ({s['a']:.1f} s against {s['b']:.1f} s); the median of the "
        f"per-round ratios is {s['round_ratio']:.2f} x.",
        "",
        "Per notebook:",
        "",
        "| | wall s per notebook | CPU s per notebook |",
        "|---|--:|--:|",
        f"| A: build, {JOBS} jobs (median wall / {n}) | {s['a_per']:.2f} | {s['a_cpu'] / n:.2f} |",
        f"| B: papermill per notebook (median wall / {n}) | {s['b_per']:.2f} | "
        f"{s['b_cpu'] / n:.2f} |",
        f"| B: each papermill command (median of {len(b) * n}; min {s['b_per_min']:.2f}, max "
        f"{s['b_per_max']:.2f}) | {s['b_per_run_median']:.2f} | |",
        "",
        f"CPU over wall time (how many cores a build kept busy, 2 being both): A "
        f"{s['a_cpu'] / s['a']:.2f}, B {s['b_cpu'] / s['b']:.2f}; per round A "
        + ", ".join(f"{x['cpu'] / x['wall']:.2f}" for x in a)
        + f". Most of A's gain is less work, not parallelism: A used {s['a_cpu'] / s['b_cpu']:.2f}"
        " x B's CPU time. With other people's jobs on the same two cores, A's two workers "
        "rarely had both cores to themselves; the round with the lowest load was the fastest.",
        "",
        "![Build time per round and output size per notebook](builds.png)",
        "",
    ]
    bd = raw.get("breakdown")
    if bd:
        med = {k: median(vals) for k, vals in bd.items() if vals}
        probe = setup["names"][int(med["probe_notebook"])].removesuffix(".ipynb")
        start = med["papermill_help"]
        work = med["execute"]
        b_model = n * (start + work)
        a_model = med["build_noop"] + med["imports"] + n * work / JOBS
        lines += [
            f"## 2. Where the time goes (median of {BREAKDOWN_REPEATS}, interleaved)",
            "",
            "Each piece timed on its own after the rounds above. The worker's cost per notebook "
            "is `nosworkbook.cohorts.build.execute_one` (Papermill into a temporary folder on an "
            f"IPC kernel, `lean`, atomic write) run twice on {probe} in a fresh interpreter, the "
            "second call counted (the first includes one-off imports); the bare kernel is "
            "the same kernel manager starting a kernel, waiting until it answers, and shutting "
            "it down.",
            "",
            "| Piece | Median s | Paid by |",
            "|---|--:|---|",
            f"| bare `python -c pass` | {med['python']:.2f} | |",
            f"| `papermill --help` (interpreter and papermill's imports) | {start:.2f} | "
            "B, once per notebook |",
            f"| `nosworkbook --help` (the CLI's start-up) | {med['nosworkbook_help']:.2f} | |",
            f"| `nosworkbook build` with nothing to do (catalog, sources, fingerprints, "
            f"manifest) | {med['build_noop']:.2f} | A, once |",
            f"| `import papermill, nosworkbook.cohorts.build` in a worker | {med['imports']:.2f} | "
            f"A, once per worker ({JOBS}, in parallel) |",
            f"| bare kernel: start until ready | {med['kernel_ready']:.2f} | both, per notebook |",
            f"| bare kernel: shut down | {med['kernel_stop']:.2f} | both, per notebook |",
            f"| `execute_one` {probe}, first call in a process | {med['execute_first']:.2f} | |",
            f"| `execute_one` {probe}, steady state (kernel, cells, lean, write) | {work:.2f} | "
            "both (B's papermill does the same work), per notebook |",
            "",
            f"A simple model from these: B = {n} x ({start:.2f} + {work:.2f}) = {b_model:.0f} s "
            f"(measured {s['b']:.0f} s); A = {med['build_noop']:.2f} + {med['imports']:.2f} + "
            f"{n} x {work:.2f} / {JOBS} = {a_model:.0f} s (measured {s['a']:.0f} s). "
            f"B spends {start / (start + work):.0%} of every notebook starting an interpreter "
            f"and importing papermill (mostly nbformat's jsonschema validators, see "
            f"workbooks.md), which A pays once per worker; of the work both share, starting "
            f"and stopping the kernel is {(med['kernel_ready'] + med['kernel_stop']) / work:.0%}."
            " A's ideal with two jobs would be half of B's per-notebook work; it also "
            "competes for the two cores with the machine's other load.",
            "",
        ]
        if bd.get("noop_rebuilt"):
            lines += [
                f"The package changed while this ran (others' edits): {len(bd['noop_rebuilt'])} "
                "of the no-op builds found a new code fingerprint and rebuilt everything first; "
                "the call after each was timed.",
                "",
            ]
    left = [r["tmp_left"] for r in a]
    lines += [
        "## 3. Output sizes (last round)",
        "",
        f"Every code cell executed and no error output: A {ok_a} of {n}, B {ok_b} of {n}. "
        "B's papermill outputs keep the widget state in the notebook metadata "
        f"(`metadata.widgets`: {widget_share:.0%} of their bytes) and per-cell timings; the "
        "build's `lean` drops both.",
        "",
        f"| Outputs | min KB | median KB | max KB | total KB | {LARGEST.removesuffix('.ipynb')} "
        "KB | under 100 KB |",
        "|---|--:|--:|--:|--:|--:|--:|",
        f"| A: nosworkbook build | {kb(sa['min'])} | {kb(sa['median'])} | {kb(sa['max'])} | "
        f"{kb(sa['total'])} | {kb(sa['largest'])} | {sa['under_target']} of {n} |",
        f"| B: papermill | {kb(sb['min'])} | {kb(sb['median'])} | {kb(sb['max'])} | "
        f"{kb(sb['total'])} | {kb(sb['largest'])} | {sb['under_target']} of {n} |",
        f"| B after `lean` (for comparison) | {kb(sb_lean['min'])} | {kb(sb_lean['median'])} | "
        f"{kb(sb_lean['max'])} | {kb(sb_lean['total'])} | {kb(sb_lean['largest'])} | "
        f"{sb_lean['under_target']} of {n} |",
        "",
        f"B / A: {sb['total'] / sa['total']:.1f} x in total, "
        f"{median([files_b[k]['bytes'] / files_a[k]['bytes'] for k in files_a]):.1f} x per "
        f"notebook (median); {LARGEST.removesuffix('.ipynb')} "
        f"{sb['largest'] / max(sa['largest'], 1):.1f} x.",
        "",
        "## Notes",
        "",
        f"- Temporary folders: each A run left {median(left):.0f} empty `nosw-kernel-*` "
        "folders in `TMPDIR` (one per kernel: `_kernel_manager_class` makes them with "
        "`mkdtemp` and nothing removes them; here TMPDIR pointed into the benchmark's scratch "
        "folder, which is removed)."
        if any(left)
        else "- Temporary folders: A left no `nosw-kernel-*` folders in `TMPDIR`.",
        f"- No kernel or other process was left running after any run "
        f"({raw.get('left_running', 0)} found at the end).",
        "",
    ]
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------


def measure(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    info = describe_machine()
    print(f"{info['date']}: {info['nproc']} CPUs, load {info['load_start']:.2f}", flush=True)
    setup = prepare(scratch, args.quick)
    n = len(setup["names"])
    print(f"{n} notebooks; inputs identical to the build's: {setup['inputs_identical']}")
    warm_up(setup, scratch)
    a_runs: list[dict[str, Any]] = []
    b_runs: list[dict[str, Any]] = []
    for i in range(1, args.runs + 1):
        a = run_a(setup, scratch / f"a{i}")
        print(f"round {i}: A {a['wall']:.1f} s (CPU {a['cpu']:.1f} s)", flush=True)
        a_runs.append(a)
        b = run_b(setup, scratch / f"b{i}")
        print(f"round {i}: B {b['wall']:.1f} s (CPU {b['cpu']:.1f} s)", flush=True)
        b_runs.append(b)
        if stop_descendants():
            raise RuntimeError(f"round {i} left processes running")
        last = i == args.runs
        if not last:  # keep the last round's outputs for the checks
            shutil.rmtree(scratch / f"a{i}", ignore_errors=True)
            shutil.rmtree(scratch / f"b{i}", ignore_errors=True)
    sizes = {
        "a": outputs(Path(a_runs[-1]["out"]), setup["names"]),
        "b": outputs(Path(b_runs[-1]["out"]), setup["names"]),
    }
    raw: dict[str, Any] = {
        "machine": info,
        "setup": setup,
        "a": a_runs,
        "b": b_runs,
        "sizes": sizes,
    }
    if not args.no_breakdown:
        print("timing the pieces ...", flush=True)
        raw["breakdown"] = breakdown(setup, scratch, Path(a_runs[-1]["out"]))
    raw["left_running"] = stop_descendants()
    info["load_end"] = os.getloadavg()[0]
    return raw


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds of A then B (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_UNITS} only, 2 rounds unless --runs"
    )
    parser.add_argument("--no-breakdown", action="store_true", help="skip timing the pieces")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite builds.md/png")
    parser.add_argument("--json", type=Path, help="also save the raw figures here")
    parser.add_argument("--from-json", type=Path, help="re-render from saved raw figures")
    args = parser.parse_args()
    if args.quick and "--runs" not in sys.argv:
        args.runs = 2
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    if args.from_json:
        raw = json.loads(args.from_json.read_text(encoding="utf-8"))
    else:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _on_signal)
        # also when started in the background, where SIGINT is inherited as ignored
        signal.signal(signal.SIGINT, signal.default_int_handler)
        scratch = Path(tempfile.mkdtemp(prefix="nosw-build-bench-"))
        try:
            raw = measure(args, scratch)
        except KeyboardInterrupt:
            print("\ninterrupted: stopping processes and removing temporary folders", flush=True)
            return 130
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop this
            stop_descendants()
            shutil.rmtree(scratch, ignore_errors=True)
        if args.json:
            args.json.write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")

    s = summarise(raw)
    text = markdown(raw, s)
    if args.no_write:
        print(text)
    else:
        plot(raw, s)
        MARKDOWN.write_text(text, encoding="utf-8")
        print(f"wrote {MARKDOWN.relative_to(ROOT)} and {PNG.relative_to(ROOT)}")
    print(
        f"A {s['a']:.1f} s, B {s['b']:.1f} s: A/B = {s['ratio']:.2f} "
        f"(target <= {TARGET_RATIO}: {'met' if s['met'] else 'not met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
