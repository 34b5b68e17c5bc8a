"""Where nosworkbook's code is running, as the environment tells it: one home for the names.

A workbook behaves differently in Voila (the learner types their id), in a kernel that the
classroom server keeps ready in a pool (the store opens before anyone arrives), while a
cohort is being built (nobody signs in, the store is not touched) and under JupyterHub (the
hub says who the learner is). The server, the builder and the workbook read and set these
variables through this module only.
"""

from __future__ import annotations

import getpass
import os

STORE = "NOSWORKBOOK_STORE"
"""Where answers are kept: a path or an SQLAlchemy URL (`nosworkbook.store.location`)."""
ANSWERS = "NOSWORKBOOK_ANSWERS"
"""A folder of tutor notes to use instead of the packaged ones (`nosworkbook.exercises.answers`)."""
BUILDING = "NOSWORKBOOK_BUILD"
"""Set in the kernels that `nosworkbook build` runs: nobody signs in, the store is untouched."""
PRELOADED_FOR = "NOSWORKBOOK_PRELOADED_FOR"
"""Set, to the notebook's path, in a kernel that the classroom server keeps ready in a pool."""
HUB_USER = "JUPYTERHUB_USER"
HUB_SIGNED_IN = "NOSWORKBOOK_HUB_USER"
"""Set, to the hub's user, only in the kernels of a learner's server that `nosworkbook hub`
spawned (`nosworkbook.hub`): the hub checked that user's access code, so the workbook trusts
it. `JUPYTERHUB_USER` alone is not trusted: any process started from a hub session has it."""


def in_voila() -> bool:
    """True in a kernel that Voila started: there the learner must type their id."""
    return bool(os.environ.get("VOILA_KERNEL_ID")) or os.environ.get(
        "SERVER_SOFTWARE", ""
    ).startswith("voila")


def building() -> bool:
    """True in a kernel that `nosworkbook build` runs."""
    return bool(os.environ.get(BUILDING))


def pooled() -> bool:
    """True in a kernel kept ready in the classroom server's pool."""
    return bool(os.environ.get(PRELOADED_FOR))


def hub_user() -> str:
    """The JupyterHub user this kernel belongs to, or ''."""
    return os.environ.get(HUB_USER, "")


def hub_signed_in() -> str:
    """The hub's user when the hub has signed them in (`HUB_SIGNED_IN` names the same user as
    `JUPYTERHUB_USER`), else ''."""
    user = hub_user()
    return user if user and os.environ.get(HUB_SIGNED_IN) == user else ""


def os_user() -> str:
    """The operating-system user, or '' when there is none to be had."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
