"""RemoteStore: the Store's methods, answered by the store service on JupyterHub.

A learner's kernel on the hub has no database address, only the service's URL (in
NOSWORKBOOK_STORE) and its own hub token (JUPYTERHUB_API_TOKEN), which goes to the service
and nowhere else. Each method is one HTTP request on a kept-alive connection and returns
what Store's method returns (its dataclasses, times with their time zone), and fails as
Store's does: ValueError for a bad value (SaveLimitReached when saving too fast), StoreError
naming the service for everything else (unreachable, refused, the database's own trouble).

urllib3 carries the requests: a burst of saves from a classroom's kernels shares the hub's
cores with the service, and urllib3 spends less CPU on each than httpx (`benchmarks/hub.md`).
It is imported when a RemoteStore is made; the dataclasses when the first records arrive,
after sign-in.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from nosworkbook.store.errors import SaveLimitReached, StoreError

TOKEN_ENV = "JUPYTERHUB_API_TOKEN"
TIMEOUT_S = 30.0
"""How long to wait for the service (a save queued behind others takes milliseconds)."""
CONNECT_TRIES = 3
_KEEP: Any = object()


def _why(err: BaseException) -> str:
    """urllib3's reason, without its repetition of the address (the message names it)."""
    text = str(err)
    return text.rpartition("): ")[2] or text


def is_service(location: object) -> bool:
    """Whether a store location names the store service (an http or https URL)."""
    return isinstance(location, str) and location.strip().lower().startswith(
        ("http://", "https://")
    )


def _keeps(value: object) -> bool:
    """Left out, or Store's UNCHANGED (whoever holds it has imported the database module)."""
    database = sys.modules.get("nosworkbook.store.database")
    return value is _KEEP or (database is not None and value is database.UNCHANGED)


class RemoteStore:
    """The store behind the hub's store service, at `url`, used with `token` (default: this
    kernel's hub token). Open it once per kernel and keep it, as a Store."""

    def __init__(self, url: str, token: str | None = None, *, timeout: float = TIMEOUT_S) -> None:
        self.url = url.strip().rstrip("/") + "/"
        self.location = self.url
        """The service's URL, for messages (it holds no secret)."""
        token = token if token is not None else os.environ.get(TOKEN_ENV, "")
        if not token:
            raise StoreError(
                self.location,
                f"is the hub's store service, and this kernel has no hub token (${TOKEN_ENV})",
            )
        import urllib3

        self._urllib3 = urllib3
        self._pool = urllib3.PoolManager(
            num_pools=1,
            maxsize=4,  # a kernel's threads: the widgets save, a report loads
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=False,  # `_send` connects again; nothing is ever sent twice
        )

    def __repr__(self) -> str:
        return f"RemoteStore({self.location!r})"

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections (every save is already committed by the service)."""
        self._pool.clear()

    @property
    def damaged(self) -> str | None:
        """The service refuses writes to a damaged store itself; a client never knows first."""
        return None

    def _call(self, method: str, **arguments: Any) -> Any:
        from nosworkbook.store import wire

        try:
            body = json.dumps(arguments, ensure_ascii=False, allow_nan=False).encode()
        except (TypeError, ValueError) as err:
            raise ValueError(f"The values for {method} are not plain JSON data: {err}.") from None
        response = self._send(method, body)
        try:
            found = json.loads(response.data)
        except ValueError:
            found = None
        if not isinstance(found, dict):
            raise StoreError(
                self.location,
                f"answered {method} with HTTP {response.status} and no JSON: it may not "
                "be the store service",
            )
        status = response.status
        if status == 200 and "result" in found:
            try:
                return wire.decode(method, found["result"])
            except (KeyError, TypeError, ValueError) as err:
                raise StoreError(self.location, f"answered {method} wrongly: {err}") from None
        message = str(found.get("error") or f"HTTP {status}")
        if status in (400, 413):
            raise ValueError(message)
        if status == 429:
            raise SaveLimitReached(message)
        if status in (401, 403):
            raise StoreError(self.location, f"refused {method}: {message}")
        raise StoreError(self.location, f"could not {method}: {message}")

    def _send(self, method: str, body: bytes) -> Any:
        """POST the request; connect up to CONNECT_TRIES times (nothing was sent yet), but
        never send a request twice: it may have been saved before its answer was lost."""
        errors = self._urllib3.exceptions
        tries = 0
        while True:
            try:
                return self._pool.request("POST", f"{self.url}api/{method}", body=body)
            except errors.NewConnectionError as err:  # refused, no route: nothing sent
                tries += 1
                if tries == CONNECT_TRIES:
                    raise StoreError(self.location, f"cannot be reached: {_why(err)}") from None
            except errors.TimeoutError:
                raise StoreError(self.location, f"did not answer {method} in time") from None
            except errors.HTTPError as err:
                raise StoreError(self.location, f"cannot be reached: {_why(err)}") from None

    # -- what the workbook, the dashboard and the reports call; as Store's ------------------

    def save(
        self,
        cohort: str,
        learner: str,
        criterion: str,
        *,
        rating: Any = _KEEP,
        evidence: Any = _KEEP,
    ) -> Any:
        """Save a rating and/or evidence note (leave one out, or pass UNCHANGED, to keep it)."""
        new = {}
        if not _keeps(rating):
            new["rating"] = rating
        if not _keeps(evidence):
            new["evidence"] = evidence
        return self._call("save", cohort=cohort, learner=learner, criterion=criterion, **new)

    def load(self, cohort: str, learner: str, urn: str | None = None) -> dict[str, Any]:
        return self._call("load", cohort=cohort, learner=learner, urn=urn)

    def history(
        self, cohort: str, learner: str, criterion: str | None = None, urn: str | None = None
    ) -> list[Any]:
        return self._call("history", cohort=cohort, learner=learner, criterion=criterion, urn=urn)

    def learners(self, cohort: str) -> list[str]:
        return self._call("learners", cohort=cohort)

    def cohort_reports(
        self, cohort: str
    ) -> dict[str, tuple[dict[str, Any], list[Any], dict[str, Any]]]:
        """Per learner: ratings, attempts and sign-off states (the cohort's tutors only)."""
        return self._call("cohort_reports", cohort=cohort)

    def cohort_summary(self, cohort: str, scale: Iterable[str]) -> dict[str, Any]:
        """Per learner, what the dashboard reads (the cohort's tutors only; see Store)."""
        return self._call("cohort_summary", cohort=cohort, scale=list(scale))

    def save_attempt(
        self, cohort: str, learner: str, exercise_id: str, answer: dict[str, Any], score: float
    ) -> Any:
        return self._call(
            "save_attempt",
            cohort=cohort,
            learner=learner,
            exercise_id=exercise_id,
            answer=answer,
            score=score,
        )

    def attempts(self, cohort: str, learner: str, exercise_id: str | None = None) -> list[Any]:
        return self._call("attempts", cohort=cohort, learner=learner, exercise_id=exercise_id)

    def latest_attempt(self, cohort: str, learner: str, exercise_id: str) -> Any:
        return self._call("latest_attempt", cohort=cohort, learner=learner, exercise_id=exercise_id)

    def sign_off(
        self,
        cohort: str,
        learner: str,
        criterion: str,
        *,
        tutor: str | None = None,
        feedback: str = "",
        returned: bool = False,
    ) -> Any:
        """Sign off (or return) as the token's owner; `tutor`, if given, must be that user."""
        return self._call(
            "sign_off",
            cohort=cohort,
            learner=learner,
            criterion=criterion,
            tutor=tutor,
            feedback=feedback,
            returned=returned,
        )

    def sign_off_log(self, cohort: str, learner: str | None = None) -> list[Any]:
        return self._call("sign_off_log", cohort=cohort, learner=learner)

    def sign_off_states(self, cohort: str, learner: str) -> dict[str, Any]:
        return self._call("sign_off_states", cohort=cohort, learner=learner)

    def has_access_codes(self, cohort: str) -> bool:
        return self._call("has_access_codes", cohort=cohort)

    def access_roster(self, cohort: str, *, role: str = "learner") -> list[str]:
        return self._call("access_roster", cohort=cohort, role=role)

    def verify_access(self, cohort: str, learner: str, code: str, *, role: str = "learner") -> bool:
        return self._call("verify_access", cohort=cohort, learner=learner, code=code, role=role)

    def sign_in_locked_until(self, cohort: str, subjects: Iterable[str]) -> datetime | None:
        return self._call("sign_in_locked_until", cohort=cohort, subjects=list(subjects))

    def sign_in_failed(
        self,
        cohort: str,
        subjects: Iterable[str],
        now: datetime,
        max_failures: int,
        lockout: timedelta,
        forget_after: timedelta,
    ) -> bool:
        """As Store's; the service counts by its own clock, so `now` is not sent."""
        del now
        return self._call(
            "sign_in_failed",
            cohort=cohort,
            subjects=list(subjects),
            max_failures=max_failures,
            lockout_seconds=lockout.total_seconds(),
            forget_after_seconds=forget_after.total_seconds(),
        )

    def sign_in_succeeded(self, cohort: str, subject: str) -> None:
        return self._call("sign_in_succeeded", cohort=cohort, subject=subject)
