"""Who is signed in to a workbook page, and the store behind them.

This is the security-bearing part of a workbook: a learner's answers are shown only once
they have signed in; in a cohort with access codes (classroom mode) only a learner on the
roster with their own code gets in, after too many wrong codes for one learner id (from any
kernel) or from one page nothing more is checked for a while, and one message covers every
mismatch so it never says whether the id or the code was wrong. Whoever was signed in is
signed out before anyone else is tried, so a failed attempt leaves nobody's answers on
screen. What the learner is told is plain; where the store is and what failed go to the log.

The page (`pages.Workbook`, `pages.Index`) owns a `Session` and tells it how to load, show
and clear a learner's answers (`Page`).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Collection
from typing import Any, Literal, Protocol

from nosworkbook import ids, runtime
from nosworkbook.classroom.access import Throttle
from nosworkbook.settings import WorkbookParameters
from nosworkbook.store import peek
from nosworkbook.widgets.signin import SignIn
from nosworkbook.workbook.guard import when_a_page_connects

logger = logging.getLogger(__name__)

NO_MATCH = "That learner id and access code do not match. Check them, or ask your tutor."
TUTOR_NO_MATCH = (
    "That tutor id and access code do not match. Check them, or ask whoever runs the classroom."
)
NOT_A_TUTOR = "That id is not one of this cohort's tutors. Check it against the cohort file."
NO_TUTOR_CODES = (
    "Tutors sign in here with an access code, and this cohort's tutors have none yet: ask "
    "whoever runs the classroom to run nosworkbook cohort codes."
)
NOT_LOADED = "Your saved answers could not be loaded. Please tell your tutor."
NOT_CHECKED = "Your access code could not be checked. Please tell your tutor."

THROTTLE = Throttle()
"""Failed classroom sign-ins, counted in the store against the learner id tried and the page:
after five for either, that id or that page waits 30 seconds (see `Throttle`)."""

OPEN_STORE_AFTER_S = 2.0
"""Under Voila, the store opens on a thread this long after the workbook is built: after the
page is up and its widgets have arrived (which the thread would slow), before a learner has
typed their id and code."""


def locked_out(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return (
        f"Too many sign-ins did not match: wait {seconds} {unit}, then try again, "
        "or ask your tutor."
    )


def default_learner() -> str:
    """JupyterHub's user, else the operating-system user, when that is a valid learner id."""
    for candidate in (runtime.hub_user(), runtime.os_user()):
        if ids.is_learner(candidate):
            return candidate
    return ""


Role = Literal["learner", "tutor"]


class Page(Protocol):
    """What a page does with a learner's answers; the session decides when."""

    def load(self, learner: str) -> dict[str, Any]:
        """The learner's saved answers, read from `session.store`."""
        ...

    def show(self, saved: dict[str, Any]) -> None:
        """Put saved answers on screen and let the learner edit."""
        ...

    def clear(self) -> None:
        """Nobody is signed in: clear every answer and stop editing."""
        ...


def _ready_for_the_hub() -> bool:
    """A kernel kept ready in a pool of a learner's own server under the hub (`nosworkbook hub
    --ready`): it asks the store nothing until its page arrives (`guard.when_a_page_connects`).
    Then the answers shown are those of that moment, not of when the kernel was made ready,
    and the store service is first asked once the learner has signed in to the hub, which is
    when the hub puts them in their cohort's group (a server started before the class is
    its learner's before they have signed in)."""
    return runtime.pooled() and ids.is_learner(runtime.hub_signed_in())


class Session:
    """Sign-in and the store for one page of one cohort."""

    def __init__(
        self,
        parameters: WorkbookParameters,
        page: Page,
        auto_sign_in: bool | None = None,
        *,
        role: Role = "learner",
        people: Collection[str] | None = None,
    ) -> None:
        """`role` "tutor" is the dashboard's door: only `people` (the cohort's tutors) get in,
        with a tutor's access code where tutors have codes, and always with one under Voila
        (where anyone who can reach the server could otherwise type a tutor's id)."""
        self.cohort = parameters.cohort
        self.page = page
        self.role: Role = role
        self.people = frozenset(people) if people is not None else None
        self._store_location = parameters.store
        self._store: Any = None
        self._store_lock = threading.Lock()
        self._warming: threading.Timer | None = None
        self.learner = ""
        self.client = secrets.token_hex(8)
        """This page, for the sign-in throttle: failures from it are counted together."""
        self.sign_in = SignIn(id_label="Tutor" if role == "tutor" else "Learner")
        self.sign_in.on_submit(self.sign_in_as)
        self.sign_in.on_sign_out(self.sign_out)
        building = runtime.building()
        if auto_sign_in is None:  # never while a cohort is being built
            auto_sign_in = not runtime.in_voila() and not building
        self._auto = auto_sign_in
        if not building and not _ready_for_the_hub():  # a build must not touch the store
            self._check_classroom()
        self.sign_in.show(self._prompt())

    def start(self) -> None:
        """Sign in straight away where the learner is known (JupyterLab, JupyterHub), unless
        the cohort is in classroom mode: then every learner signs in with their code. A
        learner whom `nosworkbook hub` signed in with their code (`runtime.hub_signed_in`) is
        signed in here too, code or not: no second sign-in. In a kernel kept ready for the
        hub's learner (`_ready_for_the_hub`), that waits until the page arrives."""
        hub = "" if runtime.building() else runtime.hub_signed_in()
        if _ready_for_the_hub():
            when_a_page_connects(lambda: self._sign_in_from_the_hub(hub))
            return
        if ids.is_learner(hub) and self._on_roster(hub):
            self.sign_in_as(hub, checked_by_hub=True)
            return
        learner = default_learner() if self._auto and not self.classroom else ""
        if self.people is not None and learner not in self.people:
            learner = ""  # the dashboard: only one of the cohort's tutors is signed in so
        if learner:
            self.sign_in_as(learner)

    def _sign_in_from_the_hub(self, hub: str) -> None:
        """A kept-ready kernel's page has arrived: the hub's learner is signed in as `start`
        signs them in, or else asked for their code as any page asks."""
        if self._on_roster(hub):
            self.sign_in_as(hub, checked_by_hub=True)
        else:
            self._check_classroom()
            self.sign_in.show(self._prompt())

    def _on_roster(self, person: str) -> bool:
        """Whether the hub's user may be signed in to this page without a code: outside
        classroom mode anyone; in it, someone holding a code of this page's role (a learner's
        for a workbook, a tutor's for the dashboard)."""
        if self.people is not None and person not in self.people:
            return False
        if not self.classroom:
            return True
        try:
            return person in self.store.access_roster(self.cohort, role=self.role)
        except Exception:  # reported when they sign in
            logger.debug("could not read the access roster", exc_info=True)
            return False

    @property
    def store(self) -> Any:
        with self._store_lock:  # the warming thread may be opening it
            if self._store is None:
                from nosworkbook.store import open_store

                self._store = open_store(self._store_location)
            return self._store

    @property
    def classroom(self) -> bool:
        """True when the cohort has access codes: signing in then needs the learner's code."""
        return self.sign_in.ask_code

    def _check_classroom(self) -> bool:
        """Ask the store whether the cohort has access codes; False if it cannot be asked.

        The store's database layer takes about 0.2 s to load. A kernel kept ready in a pool
        loads it now, before any learner arrives. Otherwise an SQLite store file is asked
        directly (`peek`), so the page does not wait for it, and under Voila the store is
        opened on a thread while the learner reads the page (`OPEN_STORE_AFTER_S`), so
        signing in does not wait either (thirty learners signing in at once would otherwise
        wait seconds)."""
        if self.role == "tutor":
            try:
                self.sign_in.ask_code = self._has_codes() or runtime.in_voila()
            except Exception:  # reported when the tutor signs in
                logger.debug("could not check for tutors' access codes", exc_info=True)
                self.sign_in.ask_code = runtime.in_voila()
            return self.sign_in.ask_code
        known = (
            None if runtime.pooled() else peek.has_access_codes(self._store_location, self.cohort)
        )
        if known is not None:
            self.sign_in.ask_code = known
            if runtime.in_voila():
                self._open_store_soon()
            return known
        try:
            self.sign_in.ask_code = self.store.has_access_codes(self.cohort)
        except Exception:  # reported when the learner signs in
            logger.debug("could not check for access codes", exc_info=True)
        return self.sign_in.ask_code

    def _open_store_soon(self) -> None:
        def open_store() -> None:
            try:
                self.store  # noqa: B018 (opens it)
            except Exception:  # reported when the learner signs in
                logger.debug("could not open the store ahead of sign-in", exc_info=True)

        self._warming = threading.Timer(OPEN_STORE_AFTER_S, open_store)
        self._warming.name, self._warming.daemon = "nosworkbook-store", True
        self._warming.start()

    def _has_codes(self) -> bool:
        """Whether the cohort's learners (or, on the dashboard, its tutors) have access codes."""
        if self.role == "tutor":
            return bool(self.store.access_roster(self.cohort, role="tutor"))
        return self.store.has_access_codes(self.cohort)

    def _prompt(self) -> str:
        who = self.role
        if self.classroom:
            return f"Type your {who} id and access code, then choose Sign in."
        return f"Type your {who} id and choose Sign in."

    def sign_in_as(self, learner: str, code: str = "", *, checked_by_hub: bool = False) -> bool:
        """Load `learner`'s answers; returns False (and says why) if that is not possible.

        In classroom mode `code` must be the learner's access code, unless the hub has checked
        it (`checked_by_hub`, only for the hub's own user: the form never passes it). Whoever
        was signed in is signed out first, so a failed attempt leaves nobody's answers on
        screen.
        """
        checked_by_hub = checked_by_hub and learner == runtime.hub_signed_in()
        if not ids.is_learner(learner):
            self.sign_in.show(f"{learner!r} is not a valid {self.role} id.", error=True)
            return False
        self._drop()
        try:
            classroom = self._has_codes()
        except Exception as exc:  # the store is unreachable or unusable: say so, keep nothing
            # The learner sees a plain sentence; where the store is and what failed go to the log.
            logger.warning("could not open the progress store: %s", exc, exc_info=True)
            return self._refuse(NOT_LOADED)
        if self.role == "tutor":
            self.sign_in.ask_code = classroom or runtime.in_voila()
            if not classroom and runtime.in_voila():
                return self._refuse(NO_TUTOR_CODES)
            if not classroom and self.people is not None and learner not in self.people:
                return self._refuse(NOT_A_TUTOR)
        else:
            self.sign_in.ask_code = classroom
        if classroom and not checked_by_hub and not self._code_matches(learner, code):
            return False
        try:
            saved = self.page.load(learner)
        except Exception as exc:  # the store is unreachable or unusable: say so, keep nothing
            logger.warning("could not load the answers of %s: %s", learner, exc, exc_info=True)
            return self._refuse(NOT_LOADED)
        self.learner = learner
        self.sign_in.learner = learner
        self.sign_in.signed_in = learner
        self.page.show(saved)
        if self.role == "tutor":
            greeting = "The cohort's figures and the sign-off form are shown below."
        else:
            greeting = "Your saved answers are shown below." if saved else "Nothing saved yet."
        self.sign_in.show(f"Signed in as {learner}. {greeting}")
        return True

    def _code_matches(self, learner: str, code: str) -> bool:
        """Classroom mode: the learner is on the roster and `code` is theirs. One message
        for every mismatch, so it never says whether the id or the code was wrong."""
        store, throttle = self.store, THROTTLE
        try:
            wait = throttle.wait(store, self.cohort, learner, self.client)
            if wait:
                return self._refuse(locked_out(wait))
            allowed = store.verify_access(self.cohort, learner, code, role=self.role)
            if allowed and self.people is not None and learner not in self.people:
                allowed = False  # a code left over for someone no longer in the cohort file
            if allowed:
                throttle.succeeded(store, self.cohort, learner)
                return True
            logger.info("a %s sign-in to cohort %s did not match", self.role, self.cohort)
            message = TUTOR_NO_MATCH if self.role == "tutor" else NO_MATCH
            if throttle.failed(store, self.cohort, learner, self.client):
                message += " " + locked_out(throttle.wait(store, self.cohort, learner, self.client))
        except Exception as exc:
            logger.warning("could not check an access code: %s", exc, exc_info=True)
            return self._refuse(NOT_CHECKED)
        return self._refuse(message)

    def _drop(self) -> None:
        """Nobody is signed in: widgets cleared and disabled, nothing saved."""
        self.learner = ""
        self.sign_in.signed_in = ""
        self.page.clear()

    def _refuse(self, message: str) -> bool:
        self.sign_in.show(message, error=True)
        return False

    def report(self, message: str) -> None:
        """Tell the learner something went wrong (a save that failed), under the sign-in."""
        self.sign_in.show(message, error=True)

    def sign_out(self) -> None:
        self._drop()
        self.sign_in.learner = ""
        self.sign_in.show("Signed out. " + self._prompt())
