"""A learner's kernel, for the concurrency tests: opens the store, waits for "go", saves.

    python store_writer.py LOCATION MODE INDEX COUNT

Prints "ready" once the store is open, then waits for a line on stdin so that every writer
starts at once. MODE is "mixed" (own and shared keys), "same" (one key, rating and evidence
saved separately) or "kill" (one save, then SIGKILL before anything else can run).
"""

from __future__ import annotations

import os
import signal
import sys

from nosworkbook.store import open_store


def main(location: str, mode: str, index: int, count: int) -> None:
    store = open_store(location)
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("expected 'go' on stdin")
    for j in range(count):
        rating, evidence = f"R{index}.{j}", f"E{index}.{j}"
        if mode == "mixed" and j % 2 == 0:  # a key no other writer touches
            store.save(
                "default", f"w{index}", f"INSCS001.PC{j + 1}", rating=rating, evidence=evidence
            )
        elif mode == "mixed":  # five keys every writer shares
            criterion = f"INSCS002.KU{(j // 2) % 5 + 1}"
            store.save("default", "shared", criterion, rating=rating, evidence=evidence)
        elif mode == "same" and j % 2 == 0:
            store.save("default", "same", "INSCS003.PC1", rating=rating)
        elif mode == "same":
            store.save("default", "same", "INSCS003.PC1", evidence=evidence)
        elif mode == "kill":
            store.save("default", "killed", "INSCS004.PC1", rating=rating, evidence=evidence)
            os.kill(os.getpid(), signal.SIGKILL)
        else:
            raise SystemExit(f"unknown mode {mode!r}")
    store.close()
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
