"""Who owns each token, as the hub last said, so that a save seldom waits for the hub.

HubAuth's own cache forgets a token after its age and the next request waits for the hub
(hundreds of milliseconds on a busy hub), once a minute for every learner. Here an answer is
used for up to `max_age` seconds, and asked for again in the background once it is
`refresh_after` seconds old, while requests go on with the answer in hand; only a token not
seen for `max_age` waits. A token the hub does not know is remembered for `unknown_age`
seconds, so nonsense tokens cannot keep the hub busy. One question per token at a time.
A revoked token, or a tutor taken out of a group, stops counting within `max_age`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

Owner = dict[str, Any] | None
MAX_ENTRIES = 10_000


class TokenCache:
    """The hub's answers about tokens (`ask(token)`: the owner's model, or None)."""

    def __init__(
        self,
        ask: Callable[[str], Awaitable[Owner]],
        *,
        max_age: float,
        refresh_after: float | None = None,
        unknown_age: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ask, self._clock = ask, clock
        self.max_age = max_age
        self.refresh_after = max_age / 2 if refresh_after is None else refresh_after
        self.unknown_age = min(unknown_age, max_age)
        self._known: dict[str, tuple[Owner, float]] = {}
        self._asking: dict[str, asyncio.Task[Owner]] = {}

    async def owner(self, token: str) -> Owner:
        """Whose token this is (the hub's model of them), or None if the hub does not know it.

        Raises whatever asking the hub raised, when there was no answer to go on with.
        """
        key = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
        found = self._known.get(key)
        if found is not None:
            model, at = found
            age = self._clock() - at
            if model is None and age < self.unknown_age:
                return None
            if model is not None and age < self.max_age:
                if age >= self.refresh_after and key not in self._asking:
                    self._start(key, token).add_done_callback(_log_failure)
                return model
        task = self._asking.get(key) or self._start(key, token)
        return await asyncio.shield(task)

    def _start(self, key: str, token: str) -> asyncio.Task[Owner]:
        task = asyncio.ensure_future(self._fetch(key, token))
        self._asking[key] = task
        return task

    async def _fetch(self, key: str, token: str) -> Owner:
        try:
            model = await self._ask(token)
        finally:
            self._asking.pop(key, None)
        self._known[key] = (model, self._clock())
        if len(self._known) > MAX_ENTRIES:
            self._forget_old()
        return model

    def _forget_old(self) -> None:
        oldest_kept = self._clock() - self.max_age
        self._known = {k: v for k, v in self._known.items() if v[1] >= oldest_kept}
        if len(self._known) > MAX_ENTRIES:  # all recent: keep the newer half
            ordered = sorted(self._known.items(), key=lambda item: item[1][1])
            self._known = dict(ordered[len(ordered) // 2 :])


def _log_failure(task: asyncio.Task[Owner]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("could not ask the hub about a token again: %s", task.exception())
