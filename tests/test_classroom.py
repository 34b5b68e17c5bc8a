"""The classroom kernel manager, without a server: kernels on Unix sockets in a private
folder, pools only for what is named, and refills that wait.

The live behaviour (pools filled, the busy page, culling) is in test_serve_safety.py."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from traitlets import Unicode
from traitlets.config import Configurable
from voila.voila_kernel_manager import voila_kernel_manager_factory

from nosworkbook.classroom.kernels import (
    SOCKET_NAME_MAX,
    ClassroomKernelManager,
    IPCKernelManager,
)
from nosworkbook.testing import run_apart

KERNEL_ID = "be8e5930-1264-422d-b953-cd07375ce023"


class FakeVoila(Configurable):
    """What Voila's pooling class reads from its parent."""

    root_dir = Unicode()
    notebook_path = None
    base_url = "/"
    server_url = "/"
    port = 8866


def kernel_manager(manager: ClassroomKernelManager) -> IPCKernelManager:
    """The manager of one kernel, as the multi-kernel manager would make it."""
    km, _, _ = manager.pre_start_kernel(None, {"kernel_id": KERNEL_ID})
    return km


def test_kernels_use_unix_sockets_beside_their_connection_file(tmp_path: Path):
    manager = ClassroomKernelManager(connection_dir=str(tmp_path))
    km = kernel_manager(manager)
    assert isinstance(km, IPCKernelManager)
    assert km.transport == "ipc"
    assert km.connection_file == str(tmp_path / f"kernel-{KERNEL_ID}.json")
    assert km.ip == str(tmp_path / "kernel-be8e59301264")
    assert manager.socket_folder() == str(tmp_path)


def test_a_connection_folder_too_long_for_a_socket_gets_a_short_private_one(tmp_path: Path):
    deep = tmp_path / ("d" * (SOCKET_NAME_MAX - len(str(tmp_path))))
    deep.mkdir()
    manager = ClassroomKernelManager(connection_dir=str(deep))
    km = kernel_manager(manager)
    folder = Path(manager.socket_folder())
    try:
        assert folder != deep and folder.name.startswith("nosworkbook-")
        assert folder.stat().st_mode & 0o777 == 0o700  # no other user can reach the sockets
        assert km.ip == str(folder / "kernel-be8e59301264")
        assert len(os.fsencode(f"{km.ip}-9")) <= SOCKET_NAME_MAX
        assert km.connection_file.startswith(str(deep))  # connection files stay where they were
        run_apart(manager.shutdown_all())
        assert not folder.exists()  # removed with the server
    finally:
        if folder.exists():
            folder.rmdir()


def test_pooled_manager_keeps_kernels_only_for_what_is_named_and_refills_late(tmp_path: Path):
    (tmp_path / "index.ipynb").write_text("{}")
    pooled_class = voila_kernel_manager_factory(ClassroomKernelManager, True, 1)
    manager = pooled_class(parent=FakeVoila(root_dir=str(tmp_path)), pools="{}")
    assert isinstance(manager, ClassroomKernelManager)
    assert manager.kernel_pools_config == {"default": {"pool_size": 0}}
    assert manager.fill_delay == manager.refill_delay == 30
    assert manager.get_pool_size("index.ipynb") == 0  # Voila would have kept one ready


@pytest.mark.parametrize("delay", [0.0, 5.0])
def test_refill_delay_is_configurable(tmp_path: Path, delay: float):
    pooled_class = voila_kernel_manager_factory(ClassroomKernelManager, True, 0)
    manager = pooled_class(parent=FakeVoila(root_dir=str(tmp_path)), refill_delay=delay)
    assert manager.fill_delay == delay


class FakeKernel:
    """What the culler reads of a kernel."""

    def __init__(self, last_activity: datetime | None, state: str) -> None:
        self.last_activity = last_activity
        self.execution_state = state
        self.kernel_name = "python3"
        self.kernel_spec = type("Spec", (), {"metadata": {}})()


def culled_by_culler(manager: ClassroomKernelManager) -> bool:
    """Run one pass of the culler over KERNEL_ID: whether it shut the kernel down."""
    shut: list[str] = []

    async def shutdown_kernel(kernel_id: str, *args, **kwargs) -> None:
        shut.append(kernel_id)

    manager.shutdown_kernel = shutdown_kernel
    run_apart(manager.cull_kernel_if_idle(KERNEL_ID))
    return shut == [KERNEL_ID]


@pytest.mark.parametrize(
    ("last_activity", "state", "culled"),
    [
        (None, "starting", False),  # still starting: the parent class would raise TraitError
        (timedelta(seconds=-5), "idle", False),  # active 5 s ago
        (timedelta(seconds=-60), "idle", True),  # idle for a minute
        (None, "dead", True),  # died while starting
    ],
)
def test_the_culler_leaves_starting_kernels_alone(
    tmp_path: Path, last_activity, state: str, culled: bool
):
    manager = ClassroomKernelManager(connection_dir=str(tmp_path), cull_idle_timeout=20)
    if last_activity is None and state == "starting":  # as the server holds one: trait unset
        manager._kernels[KERNEL_ID] = kernel_manager(manager)
    else:
        when = None if last_activity is None else datetime.now(UTC) + last_activity
        manager._kernels[KERNEL_ID] = FakeKernel(when, state)
    assert culled_by_culler(manager) is culled


@pytest.mark.parametrize(("page_sent", "culled"), [(False, False), (True, True)])
def test_the_culler_leaves_a_kernel_alone_while_its_page_is_being_made(
    tmp_path: Path, page_sent: bool, culled: bool
):
    manager = ClassroomKernelManager(connection_dir=str(tmp_path), cull_idle_timeout=20)
    manager._kernels[KERNEL_ID] = FakeKernel(datetime.now(UTC) - timedelta(seconds=60), "idle")
    manager._unconnected[KERNEL_ID] = 1.0 if page_sent else None  # None: page not sent yet
    assert culled_by_culler(manager) is culled


def test_a_warm_up_cell_interrupted_by_stopping_is_logged_in_one_line_not_a_traceback():
    import logging
    import sys

    from nbclient.exceptions import CellExecutionError

    from nosworkbook.classroom.app import WarmUpInterrupted

    try:
        raise CellExecutionError("KeyboardInterrupt: ", "KeyboardInterrupt", "")
    except CellExecutionError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "Voila",
        logging.ERROR,
        __file__,
        1,
        "Error at server while executing cell: %r",
        ("x",),
        exc_info,
    )
    assert WarmUpInterrupted().filter(record)
    assert record.getMessage() == WarmUpInterrupted.MESSAGE and record.exc_info is None
    assert record.levelno == logging.INFO
    other = logging.LogRecord(
        "Voila",
        logging.ERROR,
        __file__,
        1,
        "Error at server while executing cell: %r",
        ("x",),
        None,
    )
    WarmUpInterrupted().filter(other)
    assert other.levelno == logging.ERROR  # a real error keeps its level and message


def test_a_kernel_is_shut_down_without_an_interrupt_that_would_break_into_a_save(tmp_path):
    """jupyter_client interrupts a kernel before shutting it down; a served kernel is not
    interrupted then (its handler finishes), though an interrupt asked for is still sent."""
    manager = ClassroomKernelManager(connection_dir=str(tmp_path))
    signals: list[int] = []

    async def scenario() -> tuple[bool, bool]:
        kernel_id = await manager.start_kernel()
        km = manager.get_kernel(kernel_id)
        sent = km._async_signal_kernel

        async def spy(signum: int) -> None:
            signals.append(signum)
            await sent(signum)

        km._async_signal_kernel = spy
        await km._async_interrupt_kernel()  # asked for: sent
        asked = list(signals)
        await manager.shutdown_kernel(kernel_id)
        return asked == [signal.SIGINT], await km.is_alive()

    interrupted_when_asked, alive = run_apart(scenario())
    assert interrupted_when_asked
    assert signals == [signal.SIGINT]  # nothing more on the way down
    assert not alive and manager.list_kernel_ids() == []


def test_a_kernel_that_ended_while_the_server_stops_is_no_error(tmp_path):
    """shutdown_all lists the kernels, then shuts each down; one that ended in between (its
    page left) is passed over, where the parent would raise (and log a traceback)."""
    from tornado.web import HTTPError

    manager = ClassroomKernelManager(connection_dir=str(tmp_path))
    with pytest.raises(HTTPError):
        run_apart(manager.shutdown_kernel(KERNEL_ID))  # not stopping: unknown is an error
    manager._stopping = True
    assert run_apart(manager.shutdown_kernel(KERNEL_ID)) is None
