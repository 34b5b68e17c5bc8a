"""What the benchmark scripts share: the machine they ran on, percentiles, Ctrl-C on SIGTERM.

The scripts run as `.venv/bin/python benchmarks/<name>_bench.py`, which puts this folder on
sys.path, so they `from common import ...`. Starting and stopping servers, kernels and Chromium
is in `nosworkbook.testing`, shared with the tests.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import signal
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent  # benchmarks/: the scripts' results are written here
ROOT = HERE.parent


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def ram_gib() -> float:
    import psutil  # a test extra, as for the scripts that call this

    return psutil.virtual_memory().total / 2**30


def versions(*dists: str, **first: str) -> dict[str, str]:
    """Python's version, then `first` (say, Chromium=...), then each installed distribution's:
    the report lists them in this order."""
    from importlib.metadata import version

    found = {"Python": platform.python_version(), **first}
    for dist in dists:
        with contextlib.suppress(Exception):
            found[dist] = version(dist)
    return found


def machine(found_versions: dict[str, str]) -> dict[str, Any]:
    """When and on what a run measured: the machine is shared, so its load is part of a result."""
    return {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "ram_gib": ram_gib(),
        "load": os.getloadavg(),
        "versions": found_versions,
    }


def machine_lines(info: dict[str, Any], *more_versions: str) -> list[str]:
    """A report's lines on when and on what it ran (`machine`), versions and `more_versions`
    last."""
    load = ", ".join(f"{x:.1f}" for x in info["load"])
    found = [f"{k} {v}" for k, v in info["versions"].items()]
    return [
        f"- Date: {info['date']}; load average {load} at the end (the machine is shared)",
        f"- Machine: {info['nproc']} CPUs (nproc), {info['cpu']}, {info['ram_gib']:.0f} GiB",
        f"- {', '.join([*found, *more_versions])}",
    ]


def percentile(values: list[float], percent: int) -> float:
    """The `percent`th percentile by the inclusive method, so it lies between min and max even
    for a handful of values. It is asked for in the fewest parts that hold it (the 95th as the
    19th of 20), which keeps the interpolation, and so the published figures, as they were."""
    if len(values) < 2:
        return values[0]
    step = math.gcd(percent, 100)
    return statistics.quantiles(values, n=100 // step, method="inclusive")[percent // step - 1]


def _raise_interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def sigterm_as_ctrl_c() -> None:
    """Handle SIGTERM as Ctrl-C, so a killed run stops its servers and kernels as it would on
    Ctrl-C (the `finally` blocks run)."""
    signal.signal(signal.SIGTERM, _raise_interrupt)


def write_section(results: str, heading: str, text: str, title: str) -> None:
    """Put `text` (a section starting with `heading`) into benchmarks/`results`, in place of
    that section if it is there, else at the end, keeping every other section as it is; a new
    file starts with `title`."""
    target = HERE / results
    old = target.read_text() if target.exists() else f"{title}\n"
    if heading in old:
        before, _, after = old.partition(heading)
        rest = after.split("\n## ", 1)
        new = before + text + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    target.write_text(new)
