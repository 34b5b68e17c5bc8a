"""Access codes for classroom mode: made with `secrets`, kept only as scrypt hashes.

A tutor runs `nosworkbook cohort codes COHORT.yaml`; every learner on the roster gets a code
such as `KXQP-7M3D`, shown once. The store keeps a random salt and the scrypt hash of each
code, never the code itself, so nobody can read a code back from the database. A learner signs
in with their id and code; `verify` compares in constant time.

Codes use 31 characters that cannot be mistaken for one another (no 0, O, 1, I or L), eight
of them: about 40 bits, far beyond guessing through a sign-in form that is slowed after a few
failures. Case, spaces and hyphens do not matter when a code is typed.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
GROUP = 4  # shown as two groups of four: KXQP-7M3D

# scrypt cost: 16 MiB and roughly 50 ms per check on a classroom server (Percival's
# "interactive" setting). Stored with each hash, so it can be raised later.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
_PREFIX = "scrypt"

MAX_FAILURES = 5  # failed sign-ins against one learner id, or from one page, before it waits
LOCKOUT_SECONDS = 30
FORGET_AFTER_SECONDS = 24 * 60 * 60  # a count nothing has added to for a day is forgotten

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")  # spaces, hyphens and dashes
_CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
_HEX = re.compile(r"[0-9a-f]+")


def new_code() -> str:
    """A fresh random code, formatted for people: 'KXQP-7M3D'."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return format_code(raw)


def format_code(code: str) -> str:
    """'kxqp7m3d' -> 'KXQP-7M3D' (the form a tutor hands out)."""
    raw = normalise(code)
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalise(code: str) -> str:
    """What the learner typed, as compared: upper case, without spaces, hyphens or dashes."""
    return _SEPARATORS.sub("", str(code or "")).upper()


def well_formed(code: str) -> bool:
    """True if `code` (once normalised) could be a code at all."""
    return bool(_CODE.fullmatch(normalise(code)))


def _scrypt(code: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        normalise(code).encode("ascii", "replace"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r * p,  # OpenSSL needs a little over 128 * n * r * p
        dklen=HASH_BYTES,
    )


def hash_code(code: str, salt: str | None = None) -> tuple[str, str]:
    """(salt, hash) to store for `code`: a fresh random salt unless one is given, both text.

    The hash carries its parameters ('scrypt$16384$8$1$<hex>'), so verification still works
    if the defaults are raised later.
    """
    salt_hex = salt if salt is not None else secrets.token_hex(SALT_BYTES)
    digest = _scrypt(code, bytes.fromhex(salt_hex), SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return salt_hex, f"{_PREFIX}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${digest.hex()}"


def check_stored(salt: str, stored_hash: str) -> None:
    """Raise ValueError unless (salt, hash) look like what `hash_code` makes."""
    if not isinstance(salt, str) or not (16 <= len(salt) <= 128) or not _HEX.fullmatch(salt):
        raise ValueError("An access-code salt must be 16 to 128 lower-case hex digits.")
    _parse(stored_hash)


def _parse(stored_hash: str) -> tuple[int, int, int, bytes]:
    problem = "An access-code hash must look like 'scrypt$N$r$p$<hex>'."
    if not isinstance(stored_hash, str) or len(stored_hash) > 255:
        raise ValueError(problem)
    parts = stored_hash.split("$")
    if len(parts) != 5 or parts[0] != _PREFIX or not all(x.isdigit() for x in parts[1:4]):
        raise ValueError(problem)
    n, r, p = (int(x) for x in parts[1:4])
    if not _HEX.fullmatch(parts[4]) or len(parts[4]) % 2 or n < 2 or n & (n - 1) or r < 1 or p < 1:
        raise ValueError(problem)
    if n * r * p > 2**24:  # a hash asking for more than 2 GiB is not one of ours
        raise ValueError(problem)
    return n, r, p, bytes.fromhex(parts[4])


def verify(code: str, salt: str, stored_hash: str) -> bool:
    """True if `code` is the one hashed as `stored_hash`; compares in constant time."""
    n, r, p, expected = _parse(stored_hash)
    actual = _scrypt(code, bytes.fromhex(salt), n, r, p)
    return hmac.compare_digest(actual, expected) and well_formed(code)


# A hash to check against when there is nothing to check: a learner who is not on the roster
# takes as long to refuse as a wrong code does, so timing does not tell them apart.
_DUMMY_SALT = "00" * SALT_BYTES
_DUMMY_HASH = f"{_PREFIX}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${'00' * HASH_BYTES}"


def verify_nothing(code: str) -> bool:
    """Spend the time of one check and return False (for a learner without a code)."""
    verify(code, _DUMMY_SALT, _DUMMY_HASH)
    return False


@dataclass
class Issued:
    """What `issue_codes` did: codes made now, learners who kept theirs, codes withdrawn."""

    codes: dict[str, str]  # learner -> the new code, shown once
    kept: list[str]  # already had a code (it cannot be shown again)
    withdrawn: list[str]  # had a code but are no longer on the roster


def issue_codes(
    store: Any,
    cohort: str,
    roster: Iterable[str],
    reissue: Iterable[str] = (),
    *,
    role: str = "learner",
) -> Issued:
    """Give everyone on `roster` without a code a new one, and those in `reissue` too.

    Codes of people no longer on the roster are withdrawn, so only the roster can sign in.
    `role` is "learner" (the workbooks' sign-in) or "tutor" (the tutor's view): the store
    keeps the two apart. Only hashes reach the store; the codes exist nowhere but in the
    result. If another run gives someone a code at the same moment, that one is kept and this
    one is not shown.
    """
    roster = list(roster)
    again = set(reissue)
    unknown = sorted(again - set(roster))
    if unknown:
        raise ValueError(f"not on the roster: {', '.join(unknown)}")
    have = set(store.access_roster(cohort, role=role))
    result = Issued(codes={}, kept=[], withdrawn=[])
    for learner in roster:
        if learner in have and learner not in again:
            result.kept.append(learner)
            continue
        code = new_code()
        salt, digest = hash_code(code)
        if store.set_access_code(
            cohort, learner, salt, digest, replace=learner in again, role=role
        ):
            result.codes[learner] = code
        else:
            result.kept.append(learner)
    for learner in sorted(have - set(roster)):
        if store.remove_access_code(cohort, learner, role=role):
            result.withdrawn.append(learner)
    return result


@dataclass
class Throttle:
    """Slows guessing: after MAX_FAILURES failed sign-ins, refuse for LOCKOUT_SECONDS.

    Failures are counted against the learner id that was tried, whichever page and kernel
    they came from, and against the page (`client`) they came from, whoever they were for;
    either reaching MAX_FAILURES locks that learner id, or that page, out. The counts are kept
    in the store, so every kernel of the classroom sees the same ones. Signing in as A resets
    only A's count: it never clears the failures counted against B, nor the page's.
    """

    clock: Callable[[], float] = time.time  # wall-clock seconds: shared by every kernel
    max_failures: int = MAX_FAILURES
    lockout_seconds: float = LOCKOUT_SECONDS
    forget_after_seconds: float = FORGET_AFTER_SECONDS

    @staticmethod
    def subjects(learner: str, client: str = "") -> list[str]:
        """What one attempt counts against: the learner id tried, and the page if known."""
        return [f"learner:{learner}"] + ([f"client:{client}"] if client else [])

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def wait(self, store: Any, cohort: str, learner: str, client: str = "") -> int:
        """Whole seconds to wait before this attempt may be checked; 0 if none."""
        until = store.sign_in_locked_until(cohort, self.subjects(learner, client))
        if until is None:
            return 0
        return max(0, math.ceil((until - self._now()).total_seconds()))

    def failed(self, store: Any, cohort: str, learner: str, client: str = "") -> bool:
        """Count a failure; True if it starts a lock-out (of the learner id or the page)."""
        return store.sign_in_failed(
            cohort,
            self.subjects(learner, client),
            self._now(),
            self.max_failures,
            timedelta(seconds=self.lockout_seconds),
            timedelta(seconds=self.forget_after_seconds),
        )

    def succeeded(self, store: Any, cohort: str, learner: str) -> None:
        """`learner` signed in with their own code: forget the failures against their id."""
        store.sign_in_succeeded(cohort, self.subjects(learner)[0])
