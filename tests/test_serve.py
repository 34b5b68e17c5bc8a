"""`nosworkbook serve`: standalone Voila on localhost showing the workbooks.

The live safety tests (pools, the busy page, culling, the token, websockets) are in
test_serve_safety.py.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from pathlib import Path

import pytest
from classroom_server import start
from click.testing import CliRunner

from nosworkbook import listening
from nosworkbook.classroom.kernels import pools_config
from nosworkbook.classroom.server import (
    check_folder,
    check_options,
    jupyter_data_dir,
    parse_units,
    pools,
    voila_command,
    voila_environment,
)
from nosworkbook.cli import main
from nosworkbook.errors import NosworkbookError

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = ROOT / "workbooks"


def test_command_is_standalone_voila_on_localhost():
    command = voila_command(WORKBOOKS)
    assert command[1:3] == ["-m", "nosworkbook.classroom.app"]  # Voila, doors checked
    assert "--Voila.ip=127.0.0.1" in command
    assert "--VoilaConfiguration.strip_sources=True" in command
    assert "--VoilaConfiguration.show_tracebacks=False" in command
    assert "--VoilaConfiguration.template=nosworkbook" in command
    assert (
        "--VoilaConfiguration.multi_kernel_manager_class="
        "nosworkbook.classroom.kernels.ClassroomKernelManager" in command
    )
    assert not any("token" in arg for arg in command)


def _value(command: list[str], option: str) -> str:
    found = [arg.split("=", 1)[1] for arg in command if arg.startswith(f"--{option}=")]
    assert len(found) == 1, (option, command)
    return found[0]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {"VoilaConfiguration.preheat_kernel": "True", "Voila.port": "8866"}),
        ({"port": 9000, "host": "0.0.0.0"}, {"Voila.port": "9000", "Voila.ip": "0.0.0.0"}),
        (
            {"units": ("INSCS027", "INSCS028"), "pool": 3},
            {
                "VoilaConfiguration.preheat_kernel": "True",
                "ClassroomKernelManager.pools": json.dumps(
                    {"index.ipynb": 2, "INSCS027.ipynb": 3, "INSCS028.ipynb": 3}
                ),
            },
        ),
        ({"pool": 0}, {"VoilaConfiguration.preheat_kernel": "False"}),
        (
            {"cull_after": 900},
            {
                "ClassroomKernelManager.cull_idle_timeout": "900",
                "ClassroomKernelManager.cull_interval": "60",
                "ClassroomKernelManager.cull_connected": "False",
            },
        ),
        ({"cull_after": 6}, {"ClassroomKernelManager.cull_interval": "2"}),
        ({"cull_after": 0}, {"ClassroomKernelManager.cull_idle_timeout": "0"}),
        ({"max_kernels": 12}, {"ClassroomKernelManager.max_kernels": "12"}),
        ({"connect_within": 20}, {"ClassroomKernelManager.connect_within": "20"}),
        ({"token": "a" * 32}, {"Voila.auto_token": "True"}),
    ],
)
def test_command_for_each_option(options, expected):
    command = voila_command(WORKBOOKS, **options)
    for option, value in expected.items():
        assert _value(command, option) == value
    if "connect_within" not in options:  # the kernel manager's default, or a config file's
        assert not any("connect_within" in arg for arg in command)
    if options.get("pool") == 0:
        assert not any(arg.startswith("--ClassroomKernelManager.pools") for arg in command)
    assert not any(("a" * 32) in arg for arg in command)  # never on the command line


def test_pools_config_keeps_kernels_only_for_what_is_named():
    config = pools_config({"index.ipynb": 2, "INSCS027.ipynb": 2})
    assert config["default"] == {"pool_size": 0}
    assert config["INSCS027.ipynb"]["pool_size"] == 2
    assert set(config) == {"default", "index.ipynb", "INSCS027.ipynb"}


def test_environment_carries_template_and_token_not_the_callers_token():
    base = {"JUPYTER_PATH": "/elsewhere", "JUPYTER_TOKEN": "inherited", "HOME": "/home/x"}
    env = voila_environment(None, base)
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(jupyter_data_dir()), "/elsewhere"]
    assert "JUPYTER_TOKEN" not in env and env["HOME"] == "/home/x"
    assert voila_environment("t" * 20, base)["JUPYTER_TOKEN"] == "t" * 20


def test_template_is_shipped_and_based_on_lab():
    template = jupyter_data_dir() / "voila" / "templates" / "nosworkbook"
    assert json.loads((template / "conf.json").read_text()) == {"base_template": "lab"}
    for name in ("tree.html", "tree-lab.html", "landing.html", "503.html", "index.html.j2"):
        assert (template / name).is_file()
    busy = (template / "503.html").read_text()
    assert (
        "The workbooks are busy right now. Please wait a minute and try again; "
        "your saved answers are safe." in busy
    )
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "data/jupyter/voila/templates/nosworkbook/*" in pyproject


def test_units_are_parsed_from_lists_and_ranges():
    assert parse_units("") == ()
    assert parse_units("inscs027, INSCS001-INSCS003 INSCS002") == (
        "INSCS001",
        "INSCS002",
        "INSCS003",
        "INSCS027",
    )


class Exec:
    """Stands in for os.execve: records what would have run."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []
        self.addresses: list[tuple[str, int]] = []

    def __call__(self, file: str, args: list[str], env: dict[str, str]) -> None:
        self.calls.append((list(args), dict(env)))


@pytest.fixture()
def fake_exec(monkeypatch) -> Exec:
    """Voila is not started, so its address is not taken either: the check that it is free
    (tested for real in test_listening.py) is recorded, not made, and the default port may be
    in use by another test's real server."""
    monkeypatch.chdir(ROOT)
    fake = Exec()
    monkeypatch.setattr(os, "execve", fake)
    monkeypatch.setattr(
        listening, "check_address", lambda host, port: fake.addresses.append((host, port))
    )
    return fake


def test_cli_serves_on_localhost_without_a_token(fake_exec):
    result = CliRunner().invoke(main, ["serve", "--units", "INSCS027", "--pool", "1"])
    assert result.exit_code == 0, result.output
    ((command, env),) = fake_exec.calls
    assert _value(command, "ClassroomKernelManager.pools") == json.dumps(
        {"index.ipynb": 1, "INSCS027.ipynb": 1}
    )
    assert "JUPYTER_TOKEN" not in env and "--Voila.auto_token=True" not in command
    assert "Serving workbooks at http://127.0.0.1:8866/ " in result.output
    assert fake_exec.addresses == [("127.0.0.1", 8866)]


def test_cli_makes_a_token_beyond_localhost_and_prints_it_once(fake_exec):
    result = CliRunner().invoke(main, ["serve", "--host", "127.0.0.2", "--port", "9001"])
    assert result.exit_code == 0, result.output
    ((command, env),) = fake_exec.calls
    token = env["JUPYTER_TOKEN"]
    assert len(token) >= 24 and "--Voila.auto_token=True" in command
    assert f"http://127.0.0.2:9001/?token={token}" in result.output
    assert result.output.count(token) == 1 and not any(token in arg for arg in command)


def test_cli_uses_the_token_given(fake_exec):
    token = "classroom-token-0123456789"
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--token", token])
    assert result.exit_code == 0, result.output
    assert fake_exec.calls[0][1]["JUPYTER_TOKEN"] == token


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "/no/such/folder"],
        ["serve", "--port", "70000"],
        ["serve", "--pool", "-1"],
        ["serve", "--max-kernels", "0"],
        ["serve", "--cull-after", "-5"],
        ["serve", "--connect-within", "-1"],
        ["serve", "--units", "INSCS099"],
        ["serve", "--units", "customer"],
        ["serve", "--units", "INSCS003-INSCS001"],
        ["serve", "--pool", "10", "--units", "INSCS001-INSCS004", "--max-kernels", "40"],
        ["serve", "--host", "0.0.0.0", "--token", "short"],
        ["serve", "workbooks", "--cohort", "cohort.yaml"],
        ["serve", "workbooks/INSCS001.ipynb"],
    ],
)
def test_bad_arguments_are_one_line_errors(args, fake_exec):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("nosworkbook: error: ") and result.output.count("\n") == 1
    assert not fake_exec.calls


@pytest.fixture()
def workbooks_copy(tmp_path) -> Path:
    folder = tmp_path / "workbooks"
    shutil.copytree(WORKBOOKS, folder)
    return folder


def test_generated_workbooks_pass_the_folder_check(workbooks_copy):
    assert check_folder(workbooks_copy) == "workbooks"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda f: (f / "extra.ipynb").write_text("{}"), "not a generated workbook"),
        (lambda f: (f / "notes").mkdir() or (f / "notes" / "x.ipynb").write_text("{}"), "subfold"),
        (
            lambda f: (
                (f / ".ipynb_checkpoints").mkdir()
                or (f / ".ipynb_checkpoints" / "INSCS001-checkpoint.ipynb").write_text("{}")
            ),
            "subfold",
        ),
        (
            lambda f: (f / "INSCS001.ipynb").write_text(
                (f / "INSCS001.ipynb").read_text().replace("Workbook", "__import__('os')")
            ),
            "out of date or edited",
        ),
        (lambda f: (f / "index.ipynb").unlink(), "no index.ipynb"),
    ],
)
def test_folder_check_refuses_anything_we_did_not_generate(workbooks_copy, change, problem):
    change(workbooks_copy)
    with pytest.raises(NosworkbookError, match=problem):
        check_folder(workbooks_copy)


def _cohort_file(folder: Path) -> Path:
    path = folder / "cohort.yaml"
    path.write_text("name: Serve Test\nslug: serve-test\nunits: [INSCS027]\nsector: retail\n")
    return path


def test_cli_builds_a_cohort_then_serves_its_build(tmp_path, monkeypatch, fake_exec):
    monkeypatch.chdir(tmp_path)
    cohort = _cohort_file(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--cohort", str(cohort), "--units", "INSCS027"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "build" / "serve-test"
    assert sorted(p.name for p in folder.glob("*.ipynb")) == [
        "INSCS027.ipynb",
        "index.ipynb",
        "tutor.ipynb",
    ]
    ((command, _),) = fake_exec.calls
    assert command[3] == str(Path("build") / "serve-test")
    assert check_folder(folder) == "build"

    built = (folder / "INSCS027.ipynb").stat().st_mtime_ns
    result = CliRunner().invoke(main, ["serve", "--cohort", str(cohort)])
    assert result.exit_code == 0, result.output
    assert (folder / "INSCS027.ipynb").stat().st_mtime_ns == built  # unchanged: skipped

    (folder / "INSCS099.ipynb").write_text("{}")
    with pytest.raises(NosworkbookError, match="not part of this cohort build"):
        check_folder(folder)
    (folder / "INSCS099.ipynb").unlink()
    (folder / "INSCS027.ipynb").write_text("{}")
    with pytest.raises(NosworkbookError, match="changed since it was built"):
        check_folder(folder)
    # and serving the cohort rebuilds it
    result = CliRunner().invoke(main, ["serve", "--cohort", str(cohort)])
    assert result.exit_code == 0, result.output
    assert check_folder(folder) == "build"


def test_serve_lists_the_workbooks_and_strips_sources(tmp_path):
    server = start(tmp_path)
    try:
        with urllib.request.urlopen(server.url + "/", timeout=60) as reply:
            assert reply.status == 200
            landing = reply.read().decode()
        assert "voila/render/index.ipynb" in landing
        index = server.url + "/voila/render/index.ipynb"
        with urllib.request.urlopen(index, timeout=60) as reply:
            assert 'href="INSCS027.ipynb"' in reply.read().decode()
        url = server.url + "/voila/render/INSCS001.ipynb"
        with urllib.request.urlopen(url, timeout=60) as reply:
            page = reply.read().decode()
        assert "Deal with customers" in page  # markdown is shown
        assert "from nosworkbook.workbook import Workbook" not in page  # code is not
    finally:
        server.stop()


def test_connect_within_reaches_the_kernel_manager_from_the_command_line(fake_exec):
    result = CliRunner().invoke(main, ["serve", "--connect-within", "15", "--pool", "0"])
    assert result.exit_code == 0, result.output
    ((command, _env),) = fake_exec.calls
    assert "--ClassroomKernelManager.connect_within=15" in command


def test_the_index_keeps_a_small_pool_of_its_own_so_a_class_sized_pool_fits_the_cap():
    # The README's advice for a class of thirty, with every other option at its default.
    check_options(8866, "127.0.0.1", units=("INSCS027",), pool=30)
    assert pools(("INSCS027",), 30) == {"index.ipynb": 2, "INSCS027.ipynb": 30}
    assert pools(("INSCS027",), 1) == {"index.ipynb": 1, "INSCS027.ipynb": 1}
    assert pools((), 0, index_pool=4) == {"index.ipynb": 4}
    with pytest.raises(NosworkbookError, match="--index-pool -1"):
        check_options(8866, "127.0.0.1", index_pool=-1)
    with pytest.raises(NosworkbookError, match="with the index's 2"):
        check_options(8866, "127.0.0.1", units=("INSCS027",), pool=38)


def test_index_pool_reaches_the_kernel_manager_from_the_command_line(fake_exec):
    result = CliRunner().invoke(main, ["serve", "--pool", "0", "--index-pool", "3"])
    assert result.exit_code == 0, result.output
    ((command, _env),) = fake_exec.calls
    assert _value(command, "ClassroomKernelManager.pools") == json.dumps({"index.ipynb": 3})
    assert "--VoilaConfiguration.preheat_kernel=True" in command
