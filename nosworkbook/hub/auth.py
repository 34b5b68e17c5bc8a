"""Signing in to the hub with a cohort id and the access code `nosworkbook cohort codes` issued.

`CohortAuthenticator` checks a learner's or a tutor's code with the store's scrypt hashes
(`Store.verify_access`), counts failures with the workbooks' own `Throttle` (per id tried, and
per browser: a random cookie the login page gives it, as a workbook page is counted), and
answers every mismatch with the workbooks' own message, so signing in to the hub and to a
workbook behave alike and neither says whether the id or the code was wrong. Tutors are put
in the hub group `tutors-<slug>`, learners in `learners-<slug>` (`permissions`: what the
store service lets each do; the hub's `manage_groups` keeps them as the cohort file says at
each sign-in). Ids are used as hub user names unchanged (JupyterHub would lower-case them,
and ids are case-sensitive).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from typing import Any

from jupyterhub.auth import Authenticator
from jupyterhub.handlers.login import LoginHandler
from tornado import web
from traitlets import Unicode, default

from nosworkbook import ids
from nosworkbook.classroom.access import Throttle, verify_nothing
from nosworkbook.cohorts import Cohort, load_cohort, role_of
from nosworkbook.hub.permissions import learner_group, tutor_group

__all__ = ["NO_MATCH", "CohortAuthenticator", "learner_group", "locked_out", "tutor_group"]

logger = logging.getLogger(__name__)

NO_MATCH = "That learner id and access code do not match. Check them, or ask your tutor."
"""The same words as the workbook's sign-in (`workbook.session.NO_MATCH`; a test keeps them
equal), for a wrong id and a wrong code alike."""
NOT_CHECKED = "Your access code could not be checked. Please tell your tutor."
BROWSER_COOKIE = "nosworkbook-browser"


def locked_out(seconds: int) -> str:
    """As the workbook says it (`workbook.session.locked_out`)."""
    unit = "second" if seconds == 1 else "seconds"
    return (
        f"Too many sign-ins did not match: wait {seconds} {unit}, then try again, "
        "or ask your tutor."
    )


class CohortAuthenticator(Authenticator):
    """A roster learner or a tutor of one cohort, with their own access code."""

    cohort_file = Unicode(config=True, help="The cohort's YAML file.")
    store = Unicode(
        "",
        config=True,
        help="The store holding the cohort's access codes: a file or SQLAlchemy URL "
        "(default: $NOSWORKBOOK_STORE, else the user data folder).",
    )

    throttle = Throttle()

    @default("manage_groups")
    def _default_manage_groups(self) -> bool:
        return True  # the tutors' group follows the cohort file at each sign-in

    @default("any_allow_config")
    def _default_any_allow_config(self) -> bool:
        return True  # `check_allowed` is the allow list: the cohort file

    def _cohort(self) -> Cohort:
        return load_cohort(self.cohort_file)  # read each time: a tutor may edit the roster

    def get_handlers(self, app: Any) -> list[tuple[str, type]]:
        return [("/login", CodeLoginHandler)]

    def normalize_username(self, username: str) -> str:
        """Ids as typed (but for surrounding spaces): `A.Khan` is not `a.khan`."""
        return username.strip()

    def check_allowed(self, username: str, authentication: Any = None) -> bool:
        """Only the cohort's learners and tutors (also for users already in the hub's database)."""
        try:
            return role_of(self._cohort(), username) is not None
        except Exception as exc:  # a cohort file gone bad lets nobody new in; say why in the log
            self.log.warning("could not read the cohort file %s: %s", self.cohort_file, exc)
            return False

    async def authenticate(self, handler: Any, data: dict[str, str]) -> dict[str, Any] | None:
        person = str(data.get("username", "")).strip()
        code = str(data.get("password", ""))
        client = _client(handler)
        return await asyncio.to_thread(self._check, person, code, client)

    def _check(self, person: str, code: str, client: str) -> dict[str, Any]:
        """The hub user for `person`, or an HTTP 403 whose message the login form shows."""
        from nosworkbook.store import open_store

        if not ids.is_learner(person):  # nobody's id: nothing to guess, nothing to count
            verify_nothing(code)  # as long as a wrong code takes, so timing tells nothing
            raise web.HTTPError(403, NO_MATCH)
        try:
            cohort = self._cohort()
            role = role_of(cohort, person)
            with open_store(self.store or None) as store:
                wait = self.throttle.wait(store, cohort.slug, person, client)
                if wait:
                    raise web.HTTPError(403, locked_out(wait))
                # Someone off the roster is checked against nothing, taking as long as a wrong
                # code (`verify_access` spends the same time), so timing tells nothing either.
                allowed = store.verify_access(cohort.slug, person, code, role=role or "learner")
                if allowed and role is not None:
                    self.throttle.succeeded(store, cohort.slug, person)
                    group = tutor_group if role == "tutor" else learner_group
                    return {"name": person, "groups": [group(cohort.slug)]}
                message = NO_MATCH
                if self.throttle.failed(store, cohort.slug, person, client):
                    wait = self.throttle.wait(store, cohort.slug, person, client)
                    message += " " + locked_out(wait)
        except web.HTTPError:
            raise
        except Exception as exc:  # the store or the cohort file: one plain line, details logged
            self.log.warning("could not check an access code: %s", exc, exc_info=True)
            raise web.HTTPError(403, NOT_CHECKED) from None
        self.log.info("a sign-in to cohort %s did not match", cohort.slug)
        raise web.HTTPError(403, message)


class CodeLoginHandler(LoginHandler):
    """The hub's login page, giving each browser a random name (`BROWSER_COOKIE`) the first
    time: failures from one browser are counted together, as from one workbook page."""

    async def get(self) -> None:
        if not self.get_cookie(BROWSER_COOKIE):
            self.set_cookie(
                BROWSER_COOKIE,
                secrets.token_urlsafe(18),
                path=self.hub.base_url,
                httponly=True,
                samesite="Strict",
            )
        await super().get()


def _client(handler: Any) -> str:
    """Which browser is signing in, for the throttle (`CodeLoginHandler`); '' if unnamed (then
    only the id tried is counted)."""
    seen = handler.get_cookie(BROWSER_COOKIE, "") if handler is not None else ""
    return hashlib.sha256(seen.encode()).hexdigest()[:16] if seen else ""
