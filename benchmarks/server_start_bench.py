"""Benchmark: how long one server takes to start, with the imports it defers and without.

    .venv/bin/python benchmarks/server_start_bench.py            # rewrites its section of hub.md
    .venv/bin/python benchmarks/server_start_bench.py --runs 2 --no-write   # a smoke run

A class signing in to the hub starts thirty servers at once on the same cores, so each
server's own start-up CPU is paid thirty times over. Two things are timed, each in a fresh
process, the two arms taking turns:

- importing a learner's server under the hub (`nosworkbook.hub.singleuser`) and serve's Voila
  application (`nosworkbook.classroom.app`): CPU (user and system) of the whole interpreter;
- serve's Voila on the packaged workbooks, with no kernels kept ready: from starting the
  process to its first HTTP answer, wall time and the process's CPU by then.

`deferred` is the code as it is: `nosworkbook.startup` puts off the IRI grammar jsonschema
imports, and `nosworkbook.workbook` loads its widgets only when a page is made. `eager` is the
same code with both imported first, as they were before (jsonschema, then
`nosworkbook.workbook.pages`), so the difference is theirs alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import common
import psutil
from common import machine, versions

from nosworkbook import testing
from nosworkbook.classroom.server import voila_command, voila_environment

HEADING = "## One server's start: the imports a class pays thirty times"
WORKBOOKS = Path(__file__).resolve().parents[1] / "workbooks"
EAGER = "import jsonschema, nosworkbook.workbook.pages; "
MODULES = ("nosworkbook.hub.singleuser", "nosworkbook.classroom.app")
ARMS = ("deferred", "eager")
START_TIMEOUT_S = 60.0


def import_cpu(module: str, arm: str) -> float:
    """Seconds of CPU a fresh interpreter spends importing `module` (and starting up)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    code = (EAGER if arm == "eager" else "") + f"import {module}"
    subprocess.run([sys.executable, "-c", code], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def server_start(arm: str) -> tuple[float, float]:
    """Wall seconds from starting serve's Voila to its first answer, and its CPU by then."""
    port = testing.free_port()
    command = voila_command(WORKBOOKS, port, pool=0, index_pool=0)
    if arm == "eager":  # python -c CODE FOLDER ...: the app reads sys.argv[1:] as before
        run = "import runpy; runpy.run_module('nosworkbook.classroom.app', run_name='__main__')"
        command = [sys.executable, "-c", EAGER + run, *command[3:]]
    env = voila_environment(base=os.environ)
    start = time.perf_counter()
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, as stop_process_group expects
    )
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/none", timeout=5)
            except urllib.error.HTTPError:
                break  # it answered (404): it is listening and serving
            except OSError:
                if proc.poll() is not None or time.perf_counter() - start > START_TIMEOUT_S:
                    raise RuntimeError(f"the server did not start ({arm})") from None
                time.sleep(0.01)
                continue
            break
        wall = time.perf_counter() - start
        cpu = psutil.Process(proc.pid).cpu_times()
        return wall, cpu.user + cpu.system
    finally:
        testing.stop_process_group(proc)


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f}"


def run(runs: int) -> dict[str, dict[str, list[float]]]:
    found: dict[str, dict[str, list[float]]] = {arm: {} for arm in ARMS}
    for n in range(runs):
        for arm in ARMS if n % 2 == 0 else ARMS[::-1]:
            for module in MODULES:
                found[arm].setdefault(module, []).append(import_cpu(module, arm))
            wall, cpu = server_start(arm)
            found[arm].setdefault("wall", []).append(wall)
            found[arm].setdefault("cpu", []).append(cpu)
    return found


def report(found: dict[str, dict[str, list[float]]], runs: int, info: dict) -> str:
    lines = [
        HEADING,
        "",
        "A class signing in to the hub starts thirty servers at once on the same cores, so "
        "what one server spends starting is paid thirty times over. Each figure is the median "
        f"of {runs} fresh processes, the two arms taking turns. `deferred` is the code as it "
        "is: `nosworkbook.startup` puts off the IRI grammar that jsonschema imports (some 35 "
        "parsers built at import, which no Jupyter schema uses), and `nosworkbook.workbook` "
        "loads the widgets only when a page is made. `eager` is the same code with both "
        "imported first, as before. Reproduce with "
        "`.venv/bin/python benchmarks/server_start_bench.py`.",
        "",
        *common.machine_lines(info),
        "",
        "| | deferred | eager |",
        "|:--|--:|--:|",
    ]
    for module in MODULES:
        row = [median_ms(found[arm][module]) for arm in ARMS]
        lines.append(f"| Importing `{module}`, CPU ms | {row[0]} | {row[1]} |")
    wall = [median_ms(found[arm]["wall"]) for arm in ARMS]
    cpu = [median_ms(found[arm]["cpu"]) for arm in ARMS]
    lines.append(f"| serve's Voila, start to first answer, wall ms | {wall[0]} | {wall[1]} |")
    lines.append(f"| serve's Voila, CPU by its first answer, ms | {cpu[0]} | {cpu[1]} |")
    hub = [statistics.median(found[arm][MODULES[0]]) for arm in ARMS]
    saved = hub[1] - hub[0]
    lines += [
        "",
        f"- A learner's server under the hub imports in {hub[0]:.2f} s of CPU against "
        f"{hub[1]:.2f} s ({hub[1] / hub[0]:.1f} times less); thirty servers starting at once "
        f"save about {saved * 30:.0f} s of CPU between them, {saved * 15:.0f} s of waiting "
        "on 2 cores.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    found = run(args.runs)
    info = machine(versions("jupyter_server", "voila", "jupyterhub", "jsonschema"))
    text = report(found, args.runs, info)
    print(text)
    if not args.no_write:
        common.write_section("hub.md", HEADING, text, "# JupyterHub")


if __name__ == "__main__":
    main()
