"""`nosworkbook hub`: a real JupyterHub, the real configurable-http-proxy, real learners' servers.

One hub for the module (its cohort is built once, about 20 s, and each learner's server takes
a few seconds to start); the restart test comes last. The checks that need no hub (the
configuration, the command's one-line errors, the deploy files, the workbook's rule for
trusting the hub) come first.
"""

from __future__ import annotations

import ast
import json
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from classroom_server import KERNEL_ID
from click.testing import CliRunner
from hub_server import Hub, browser, connect, processes_under, rate, signed_in, start_hub
from hub_server import widget_states as states_of
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from nosworkbook import runtime
from nosworkbook.catalog import load
from nosworkbook.classroom.access import issue_codes
from nosworkbook.cli import main
from nosworkbook.errors import NosworkbookError
from nosworkbook.hub import auth, config, ready, singleuser, store_service
from nosworkbook.hub.spawner import tutors_open_the_dashboard
from nosworkbook.portfolio.records import percent
from nosworkbook.store import open_store
from nosworkbook.testing import kernels_in, run_apart
from nosworkbook.workbook import session

ROOT = Path(__file__).resolve().parent.parent
COHORT = {
    "name": "Hub test cohort",
    "slug": "hub-test",
    "organisation": "Example Stores Ltd",
    "sector": "retail",
    "units": ["INSCS001"],
    "learners": [{"id": "a.khan", "name": "Aisha Khan"}, {"id": "b.jones", "name": "Ben Jones"}],
    "tutors": [{"id": "m.price", "name": "Mina Price"}],
}
UNIT_TITLE = "Deal with customers"


# Without a hub


def test_the_hub_signs_in_with_the_workbooks_own_words():
    assert auth.NO_MATCH == session.NO_MATCH
    assert auth.locked_out(30) == session.locked_out(30)
    assert auth.locked_out(1) == session.locked_out(1)
    assert auth.tutor_group("retail-l2") == "tutors-retail-l2"
    assert auth.learner_group("retail-l2") == "learners-retail-l2"


def test_a_workbook_trusts_the_hub_only_where_the_hub_spawned_it(monkeypatch):
    monkeypatch.delenv(runtime.HUB_SIGNED_IN, raising=False)
    monkeypatch.setenv(runtime.HUB_USER, "a.khan")
    assert runtime.hub_signed_in() == ""  # any process started in a hub session has this
    monkeypatch.setenv(runtime.HUB_SIGNED_IN, "b.jones")
    assert runtime.hub_signed_in() == ""  # both must name the same user
    monkeypatch.setenv(runtime.HUB_SIGNED_IN, "a.khan")
    assert runtime.hub_signed_in() == "a.khan"


class Page:
    def __init__(self) -> None:
        self.shown: list[dict] = []

    def load(self, learner: str) -> dict:
        return {}

    def show(self, saved: dict) -> None:
        self.shown.append(saved)

    def clear(self) -> None:
        pass


def _classroom_session(tmp_path: Path) -> session.Session:
    from nosworkbook.settings import WorkbookParameters

    store = tmp_path / "store.sqlite"
    with open_store(store) as opened:
        issue_codes(opened, "hub-test", ["a.khan"])
    return session.Session(WorkbookParameters(cohort="hub-test", store=str(store)), Page())


def test_a_learner_the_hub_signed_in_needs_no_second_sign_in(tmp_path, monkeypatch):
    monkeypatch.setenv("VOILA_KERNEL_ID", "x")  # under Voila: nobody is signed in unasked
    monkeypatch.setenv(runtime.HUB_USER, "a.khan")
    monkeypatch.setenv(runtime.HUB_SIGNED_IN, "a.khan")
    page = _classroom_session(tmp_path)
    assert page.classroom
    page.start()
    assert page.learner == "a.khan"


def test_a_kernel_kept_ready_reads_the_hubs_learner_only_when_their_page_arrives(
    tmp_path, monkeypatch
):
    from nosworkbook.workbook import guard

    monkeypatch.setenv("VOILA_KERNEL_ID", "x")
    monkeypatch.setenv(runtime.HUB_USER, "a.khan")
    monkeypatch.setenv(runtime.HUB_SIGNED_IN, "a.khan")
    monkeypatch.setenv(runtime.PRELOADED_FOR, "INSCS001.ipynb")
    monkeypatch.setattr(guard, "_guarded_kernel", lambda: True)  # as in a served kernel
    monkeypatch.setattr(guard, "_page_connected", False)
    monkeypatch.setattr(guard, "_waiting_for_a_page", [])
    page = _classroom_session(tmp_path)
    page.start()
    assert page.learner == ""  # made ready before anyone's page: nobody's answers yet
    guard._page_arrived()  # the page opens the widget manager's comm
    assert page.learner == "a.khan"
    late = _classroom_session(tmp_path)
    late.start()  # a page already here: at once
    assert late.learner == "a.khan"


def test_what_waits_for_a_page_runs_once_in_order_and_a_failure_does_not_stop_the_rest(
    monkeypatch,
):
    from nosworkbook.workbook import guard

    monkeypatch.setattr(guard, "_guarded_kernel", lambda: True)
    monkeypatch.setattr(guard, "_page_connected", False)
    monkeypatch.setattr(guard, "_waiting_for_a_page", [])
    ran: list[str] = []
    guard.when_a_page_connects(lambda: ran.append("first"))
    guard.when_a_page_connects(lambda: 1 / 0)
    guard.when_a_page_connects(lambda: ran.append("third"))
    assert ran == []
    guard._page_arrived()
    guard._page_arrived()
    assert ran == ["first", "third"]
    monkeypatch.setattr(guard, "_page_connected", False)
    monkeypatch.setattr(guard, "_guarded_kernel", lambda: False)  # JupyterLab: nothing tells
    guard.when_a_page_connects(lambda: ran.append("at once"))
    assert ran[-1] == "at once"


def test_without_the_hubs_word_a_classroom_workbook_still_asks_for_the_code(tmp_path, monkeypatch):
    monkeypatch.setenv("VOILA_KERNEL_ID", "x")
    monkeypatch.setenv(runtime.HUB_USER, "a.khan")
    monkeypatch.delenv(runtime.HUB_SIGNED_IN, raising=False)
    page = _classroom_session(tmp_path)
    page.start()
    assert page.learner == ""
    # and the form cannot claim the hub's word for anyone
    assert not page.sign_in_as("a.khan", "WRONG-CODE")
    monkeypatch.setenv(runtime.HUB_SIGNED_IN, "a.khan")
    assert not page.sign_in_as("b.jones", "", checked_by_hub=True)  # not the hub's user


def test_someone_the_hub_signed_in_without_a_learners_code_is_not_signed_in(tmp_path, monkeypatch):
    monkeypatch.setenv("VOILA_KERNEL_ID", "x")
    monkeypatch.setenv(runtime.HUB_USER, "m.price")  # a tutor: no learner's code
    monkeypatch.setenv(runtime.HUB_SIGNED_IN, "m.price")
    page = _classroom_session(tmp_path)
    page.start()
    assert page.learner == ""


def test_the_proxy_is_found_where_setup_puts_it_else_on_path_else_named(tmp_path, monkeypatch):
    found = config.proxy_command()
    assert Path(found[0]).name == "configurable-http-proxy"
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(NosworkbookError) as missing:
        config.proxy_command(prefix=tmp_path)
    assert str(missing.value) == (
        "configurable-http-proxy is not installed: run bash scripts/setup.sh "
        "(it installs it into .venv/hub)"
    )
    installed = tmp_path / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
    installed.parent.mkdir(parents=True)
    installed.write_text("#!/bin/sh\n")
    installed.chmod(0o755)
    assert config.proxy_command(prefix=tmp_path) == [str(installed)]


def test_setup_installs_the_pinned_proxy_where_the_hub_looks_for_it():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert f"configurable-http-proxy@{config.PROXY_VERSION}" in setup
    assert "--prefix .venv/hub" in setup


def _settings(tmp_path: Path, **changes) -> config.HubSettings:
    workbooks = tmp_path / "build" / "hub-test"
    workbooks.mkdir(parents=True, exist_ok=True)
    (workbooks / "index.ipynb").write_text("{}")
    values = dict(cohort_file="c.yaml", workbooks=str(workbooks), state=str(tmp_path / "state"))
    return config.HubSettings(**{**values, **changes})


def test_the_configuration_keeps_state_together_culls_idle_servers_and_caps_them(tmp_path):
    c = Config()
    settings = _settings(tmp_path, cull_after=1200, max_servers=25, store="/data/s.sqlite")
    config.configure(c, settings)
    state = Path(settings.state)
    assert c.JupyterHub.db_url == f"sqlite:///{state / 'jupyterhub.sqlite'}"
    assert c.JupyterHub.cookie_secret_file == str(state / "jupyterhub_cookie_secret")
    assert c.ConfigurableHTTPProxy.auth_token == (state / "proxy_token").read_text()
    assert (state / "proxy_token").stat().st_mode & 0o077 == 0
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8000"
    assert c.JupyterHub.active_server_limit == 25
    culler, store = c.JupyterHub.services
    assert "--timeout=1200" in culler["command"]
    assert c.JupyterHub.load_roles[0]["services"] == ["idle-culler"]
    # the learners' servers know the store service's URL, never the database's location
    assert store["name"] == "nosworkbook-store"
    assert store["environment"]["NOSWORKBOOK_STORE_DATABASE"] == "/data/s.sqlite"
    assert c.CohortSpawner.environment == {
        "NOSWORKBOOK_STORE": f"http://127.0.0.1:{settings.store_port}/services/nosworkbook-store/"
    }
    assert "/data/s.sqlite" not in json.dumps(c.CohortSpawner.environment)
    roles = {role["name"]: role for role in c.JupyterHub.load_roles}
    assert "access:services!service=nosworkbook-store" in roles["server"]["scopes"]
    assert c.JupyterHub.authenticator_class.__name__ == "CohortAuthenticator"
    c = Config()
    config.configure(c, _settings(tmp_path, cull_after=0))
    assert [s["name"] for s in c.JupyterHub.services] == ["nosworkbook-store"]


def test_ready_adds_the_service_that_starts_the_rosters_servers_and_only_with_ready(tmp_path):
    c = Config()
    config.configure(c, _settings(tmp_path, ready=True, max_servers=12, cohort_file="/c.yaml"))
    service = next(s for s in c.JupyterHub.services if s["name"] == ready.SERVICE_NAME)
    assert service["command"][-1] == "nosworkbook.hub.ready"
    assert service["environment"] == {ready.COHORT_ENV: "/c.yaml", ready.CAP_ENV: "12"}
    role = next(r for r in c.JupyterHub.load_roles if r["name"] == ready.SERVICE_NAME)
    assert role["services"] == [ready.SERVICE_NAME]
    c = Config()
    config.configure(c, _settings(tmp_path))
    assert ready.SERVICE_NAME not in [s["name"] for s in c.JupyterHub.services]
    assert config.settings_from_environment(
        {
            "NOSWORKBOOK_HUB_COHORT_FILE": "c.yaml",
            "NOSWORKBOOK_HUB_WORKBOOKS": "w",
            "NOSWORKBOOK_HUB_STATE": "s",
            "NOSWORKBOOK_HUB_READY": "true",
            "NOSWORKBOOK_HUB_READY_UNITS": "INSCS001 INSCS002",
        }
    ) == config.HubSettings("c.yaml", "w", "s", ready=True, ready_units=("INSCS001", "INSCS002"))
    # each server is told which pages to keep a kernel ready for; the lab profile, none
    c = Config()
    config.configure(c, _settings(tmp_path, ready=True, ready_units=("INSCS001",)))
    assert c.CohortSpawner.environment[singleuser.READY] == "INSCS001"
    c = Config()
    config.configure(c, _settings(tmp_path, ready=True, profile="lab"))
    assert singleuser.READY not in c.CohortSpawner.environment
    args = singleuser.voila_args(ROOT / "workbooks", ready=("INSCS001",))
    assert "--VoilaConfiguration.preheat_kernel=True" in args
    pools = next(a for a in args if a.startswith("--ClassroomKernelManager.pools="))
    assert json.loads(pools.split("=", 1)[1]) == {"index.ipynb": 1, "INSCS001.ipynb": 1}


@pytest.mark.parametrize(
    ("users", "cap", "start", "waiting"),
    [
        ({}, 0, ["a", "b", "c"], []),  # nobody has a server, no cap: the whole roster
        ({"b": {"servers": {"": {}}}}, 0, ["a", "c"], []),  # b's is running already
        ({}, 2, ["a", "b"], ["c"]),  # the cap, in roster order
        ({"t": {"servers": {"": {}}}}, 2, ["a"], ["b", "c"]),  # a tutor's server counts too
        (
            {"a": {"servers": {}}, "x": {"servers": {"": {}}}, "y": {"servers": {"": {}}}},
            2,
            [],
            ["a", "b", "c"],
        ),  # no room at all
    ],
)
def test_the_ready_service_starts_the_rosters_idle_servers_in_order_within_the_cap(
    users, cap, start, waiting
):
    assert ready.servers_to_start(["a", "b", "c", "a"], users, cap) == (start, waiting)


def test_a_learners_server_takes_serves_options_and_checks_its_folder_as_serve_does(tmp_path):
    args = singleuser.voila_args(ROOT / "workbooks")
    for option in (
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.template=nosworkbook",
        "--VoilaConfiguration.preheat_kernel=False",
        f"--VoilaConfiguration.multi_kernel_manager_class={singleuser.KERNEL_MANAGER}",
    ):
        assert option in args
    assert not [a for a in args if a.startswith(("--Voila.ip", "--Voila.port="))]
    (tmp_path / "index.ipynb").write_bytes((ROOT / "workbooks" / "index.ipynb").read_bytes())
    (tmp_path / "mine.ipynb").write_text("{}")
    with pytest.raises(NosworkbookError, match="mine.ipynb: not a generated workbook"):
        singleuser.voila_args(tmp_path)


def test_the_settings_come_from_a_file_or_the_environment(tmp_path):
    settings = _settings(tmp_path, port=9000)
    settings.save(tmp_path / "settings.json")
    env = {"NOSWORKBOOK_HUB_SETTINGS": str(tmp_path / "settings.json")}
    assert config.settings_from_environment(env) == settings
    env = {
        "NOSWORKBOOK_HUB_COHORT_FILE": "c.yaml",
        "NOSWORKBOOK_HUB_WORKBOOKS": "/srv/build/hub-test",
        "NOSWORKBOOK_HUB_STATE": "/srv/hub",
        "NOSWORKBOOK_HUB_PORT": "8001",
        "NOSWORKBOOK_STORE": "postgresql://store/nosworkbook",
    }
    read = config.settings_from_environment(env)
    assert (read.port, read.store, read.profile) == (
        8001,
        "postgresql://store/nosworkbook",
        "voila",
    )
    with pytest.raises(NosworkbookError, match="NOSWORKBOOK_HUB_STATE"):
        config.settings_from_environment({k: v for k, v in env.items() if "STATE" not in k})


def test_deploy_files_parse_and_the_image_installs_with_the_readmes_setup(monkeypatch):
    deploy = ROOT / "deploy"
    values = yaml.safe_load((deploy / "values.yaml").read_text())
    assert values["singleuser"]["image"]["name"]
    assert values["hub"]["db"]["type"] == "postgres"
    extra = values["hub"]["extraConfig"]["nosworkbook"]
    c = Config()  # as the chart runs it: hub.config first, then each extraConfig
    c.JupyterHub.active_server_limit = values["hub"]["config"]["JupyterHub"]["active_server_limit"]
    monkeypatch.setenv("NOSWORKBOOK_STORE", "postgresql+psycopg://nosworkbook:secret@db/store")
    exec(compile(extra, "values.yaml hub.extraConfig", "exec"), {"c": c})
    assert [s["name"] for s in c.JupyterHub.services] == ["nosworkbook-store"]
    assert c.KubeSpawner.environment == {
        "NOSWORKBOOK_STORE": "http://hub:10101/services/nosworkbook-store/"
    }
    # no database address in the learners' servers' own settings
    assert "NOSWORKBOOK_STORE" not in json.dumps(values["singleuser"])
    assert {"name": "store", "port": 10101, "targetPort": 10101} in values["hub"]["service"][
        "extraPorts"
    ]
    ast.parse((deploy / "jupyterhub_config.py").read_text())
    assert "nosworkbook.hub.config" in (deploy / "jupyterhub_config.py").read_text()
    dockerfile = (deploy / "Dockerfile").read_text()
    runs = [line for line in dockerfile.splitlines() if line.startswith("RUN ")]
    assert any("scripts/setup.sh" in line for line in runs), runs


def test_an_existing_hub_runs_the_store_service_and_gives_learners_only_its_url(tmp_path):
    c = Config()
    c.KubeSpawner.environment = {"NOSWORKBOOK_HUB_WORKBOOKS": "/srv/build"}
    database = "postgresql+psycopg://nosworkbook:secret@db/nosworkbook"
    config.configure_existing_hub(c, "/srv/cohort/cohort.yaml", database)
    (service,) = c.JupyterHub.services
    assert service["url"] == "http://hub:10101"
    assert service["environment"]["NOSWORKBOOK_STORE_DATABASE"] == database
    assert service["environment"]["NOSWORKBOOK_STORE_BIND"] == "0.0.0.0:10101"
    assert c.KubeSpawner.environment == {
        "NOSWORKBOOK_HUB_WORKBOOKS": "/srv/build",
        "NOSWORKBOOK_STORE": "http://hub:10101/services/nosworkbook-store/",
    }
    assert "secret" not in json.dumps(c.KubeSpawner.environment)
    assert c.KubeSpawner.pre_spawn_hook is tutors_open_the_dashboard
    assert store_service.listen_address(service["url"], "0.0.0.0:10101") == ("0.0.0.0", 10101)
    assert store_service.listen_address("http://127.0.0.1:10555") == ("127.0.0.1", 10555)
    assert c.JupyterHub.authenticator_class.__name__ == "CohortAuthenticator"


def test_an_existing_hub_with_ready_starts_the_roster_within_its_limit_and_keeps_kernels(
    tmp_path,
):
    cohort_file = str(_cohort_file(tmp_path))
    c = Config()
    c.JupyterHub.active_server_limit = 40  # Zero to JupyterHub sets hub.config first
    database = "postgresql+psycopg://nosworkbook:secret@db/nosworkbook"
    config.configure_existing_hub(c, cohort_file, database, ready=True, ready_units=["INSCS001"])
    store, ready_service = c.JupyterHub.services
    assert store["name"] == "nosworkbook-store"
    assert ready_service["environment"] == {
        "NOSWORKBOOK_HUB_READY_COHORT": cohort_file,
        "NOSWORKBOOK_HUB_READY_CAP": "40",
    }
    assert "secret" not in json.dumps(ready_service)
    assert {"name": "ready-servers", "scopes": ["admin:users", "servers"]}.items() <= (
        c.JupyterHub.load_roles[-1].items()
    )
    assert c.KubeSpawner.environment["NOSWORKBOOK_HUB_READY"] == "INSCS001"
    plain = Config()
    config.configure_existing_hub(plain, cohort_file, database)
    assert [s["name"] for s in plain.JupyterHub.services] == ["nosworkbook-store"]
    assert "NOSWORKBOOK_HUB_READY" not in plain.KubeSpawner.environment
    with pytest.raises(NosworkbookError, match=r"^ready_units INSCS044: .*cohort.yaml has no"):
        config.configure_existing_hub(
            Config(), cohort_file, database, ready=True, ready_units=["INSCS044"]
        )


def test_a_tutors_workbooks_server_opens_on_the_dashboard_and_a_learners_on_the_index():
    def spawner(groups: list[str], url: str) -> SimpleNamespace:
        user = SimpleNamespace(groups=[SimpleNamespace(name=name) for name in groups])
        return SimpleNamespace(user=user, default_url=url)

    tutor, learner = spawner(["tutors-retail"], "/"), spawner(["learners-retail"], "/")
    lab = spawner(["tutors-retail"], "/lab")
    for found in (tutor, learner, lab):
        tutors_open_the_dashboard(found)
    assert tutor.default_url == "/voila/render/tutor.ipynb"
    assert (learner.default_url, lab.default_url) == ("/", "/lab")


def _cohort_file(folder: Path, **changes) -> Path:
    path = folder / "cohort.yaml"
    path.write_text(yaml.safe_dump({**COHORT, **changes}))
    return path


def test_the_hub_command_says_in_one_line_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "store.sqlite"
    runner = CliRunner()

    def hub(*args: str) -> str:
        result = runner.invoke(main, ["hub", *args, "--store", str(store)])
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, lines
        return lines[0]

    assert "no such file" in hub("nowhere.yaml").lower() or "nowhere.yaml" in hub("nowhere.yaml")
    cohort = _cohort_file(tmp_path, learners=[], tutors=[])
    assert "has no roster" in hub(str(cohort))
    cohort = _cohort_file(tmp_path)
    assert "not built yet" in hub(str(cohort)) and "nosworkbook build" in hub(str(cohort))
    assert "--port 0 is out of range" in hub(str(cohort), "--port", "0")


def test_a_store_or_cohort_file_that_cannot_be_read_refuses_in_one_plain_line(tmp_path):
    from tornado import web

    cohort = _cohort_file(tmp_path)
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_text("not a database")
    for cohort_file, store in ((cohort, damaged), (tmp_path / "gone.yaml", tmp_path / "s.sqlite")):
        authenticator = auth.CohortAuthenticator(cohort_file=str(cohort_file), store=str(store))
        with pytest.raises(web.HTTPError) as refused:
            authenticator._check("a.khan", "ABCD-EFGH", "")
        assert refused.value.status_code == 403
        assert refused.value.log_message == auth.NOT_CHECKED
        # a cohort file gone lets nobody in
        assert authenticator.check_allowed("a.khan") is cohort_file.exists()
    assert damaged.read_text() == "not a database"  # refused, never overwritten


# With a real hub


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, dict[str, str]]]:
    """The cohort built, its codes issued, and a hub running for it: (hub, id -> code)."""
    scratch = tmp_path_factory.mktemp("hub")
    cohort_file = _cohort_file(scratch)
    store = scratch / "store.sqlite"
    built = subprocess.run(
        [sys.executable, "-m", "nosworkbook", "build", str(cohort_file), "--jobs", "2"],
        cwd=scratch,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    with open_store(store) as opened:
        codes = issue_codes(opened, "hub-test", ["a.khan", "b.jones"]).codes
        codes |= issue_codes(opened, "hub-test", ["m.price"], role="tutor").codes
    running = start_hub(scratch, cohort_file, store)
    yield running, codes
    running.stop()


def test_a_second_hub_on_a_port_in_use_is_one_line_and_starts_nothing(hub, tmp_path, monkeypatch):
    running, _ = hub
    monkeypatch.chdir(running.scratch)
    state = tmp_path / "second"
    result = CliRunner().invoke(
        main,
        ["hub", str(running.cohort_file), "--store", str(running.store), "--state", str(state)]
        + ["--port", str(running.port)],
    )
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        f"nosworkbook: error: --port {running.port}: something on this machine is already "
        f"listening on 127.0.0.1:{running.port} (another server?); stop it or choose another --port"
    ]
    assert not state.exists()  # no state folder made, no hub started
    assert running.proc is not None and running.proc.poll() is None


def test_the_hub_command_refuses_a_cohort_without_codes(hub, tmp_path, monkeypatch):
    running, _ = hub
    monkeypatch.chdir(running.scratch)
    empty = tmp_path / "empty.sqlite"
    result = CliRunner().invoke(main, ["hub", str(running.cohort_file), "--store", str(empty)])
    assert result.exit_code == 2
    assert result.output.strip().endswith(
        f"its learners have no access codes; run nosworkbook cohort codes {running.cohort_file}"
    )
    result = CliRunner().invoke(main, ["hub", str(running.cohort_file), "--ready-unit", "INSCS044"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.strip().endswith(
        f"--ready-unit INSCS044: {running.cohort_file} has no such unit (its units are the ones "
        "it was built with)"
    )


def test_two_learners_sign_in_with_their_codes_and_each_finds_their_own_workbook(hub):
    running, codes = hub
    for learner in ("a.khan", "b.jones"):
        with browser(running) as person:
            signed = person.sign_in(learner, codes[learner])
            assert signed.status_code == 302, signed.text[:500]
            page, kernel_id = person.open_unit(learner, "INSCS001")
            assert UNIT_TITLE in page and "Traceback" not in page

            async def who(person=person, kernel_id=kernel_id, learner=learner) -> list[str]:
                socket = await connect(running, learner, kernel_id, person.cookie_header())
                try:
                    return signed_in(await states_of(socket))
                finally:
                    socket.close()

            # The workbook knows who they are from the hub: no second sign-in.
            assert run_apart(who()) == [learner]


def test_the_sign_in_form_asks_for_an_id_and_an_access_code(hub):
    running, _ = hub
    with browser(running) as person:
        form = person.client.get("/hub/login").text
    assert 'for="username_input">Learner or tutor id:' in form
    assert 'for="password_input">Access code:' in form
    assert "Username:" not in form and "Password:" not in form


def test_a_wrong_code_or_an_unknown_id_is_refused_with_the_workbooks_message(hub):
    running, codes = hub
    odd = ("", " ", "../../etc", "a" * 300, "a.khan\n", "<b>x</b>", "é.khan")
    tries = [("a.khan", codes["b.jones"]), ("z.nobody", codes["a.khan"])]
    for who, code in [*tries, *((name, "ABCD-EFGH") for name in odd)]:
        with browser(running) as person:  # five from one browser would mean a wait (below)
            refused = person.sign_in(who, code)
            assert refused.status_code == 403, (who, refused.status_code)
            assert session.NO_MATCH in refused.text, who
            assert "Invalid username" not in refused.text
            assert person.client.get("/hub/home").status_code == 302  # still signed out
    assert "500 POST" not in running.output()


def test_five_wrong_codes_for_one_id_mean_a_wait_as_in_the_workbooks(hub):
    running, codes = hub
    for attempt in range(5):
        with browser(running) as person:  # a new browser each time: the id's count still grows
            refused = person.sign_in("y.guess", f"ABCD-EFG{attempt + 2}")
            assert refused.status_code == 403
    with browser(running) as person:
        refused = person.sign_in("y.guess", "ABCD-EFGH")
        assert "Too many sign-ins did not match: wait" in refused.text
    with browser(running) as person:  # and five from one browser, whoever they were for
        for attempt in range(5):
            assert person.sign_in(f"x.guess{attempt}", "ABCD-EFGH").status_code == 403
        assert "Too many sign-ins did not match" in person.sign_in("b.jones", "ABCD-EFGH").text
    with browser(running) as person:  # another learner is not held up
        assert person.sign_in("b.jones", codes["b.jones"]).status_code == 302


def test_learner_b_cannot_open_learner_as_server(hub):
    running, codes = hub
    with browser(running) as a, browser(running) as b:
        a.sign_in("a.khan", codes["a.khan"])
        _, kernel_id = a.open_unit("a.khan", "INSCS001")
        b.sign_in("b.jones", codes["b.jones"])
        reply, visited = b.follow("/user/a.khan/voila/render/INSCS001.ipynb")
        assert reply.status_code == 403, visited
        assert UNIT_TITLE not in reply.text

        async def intrude() -> int:
            try:
                socket = await connect(running, "a.khan", kernel_id, b.cookie_header())
            except HTTPClientError as exc:
                return exc.code
            socket.close()
            return 101

        assert run_apart(intrude()) in (302, 403)


def test_a_tutor_signs_in_with_a_tutors_code_and_joins_the_cohorts_tutors_group(hub):
    running, codes = hub
    with browser(running) as tutor:
        assert tutor.sign_in("m.price", codes["a.khan"]).status_code == 403  # not theirs
        assert tutor.sign_in("m.price", codes["m.price"]).status_code == 302
        with open_store(running.store) as opened:  # one criterion each, for the dashboard
            opened.save("hub-test", "a.khan", "INSCS001.KU1", rating="Competent")
            opened.save("hub-test", "b.jones", "INSCS001.KU2", rating="Competent")
        # The tutor's dashboard on their own server knows them from the hub too, and reads
        # both learners' work through the store service with the tutor's token; a learner's
        # workbook there signs nobody in (a tutor holds no learner's code).
        shown: dict[str, str] = {}
        for notebook, expected in (("tutor", ["m.price"]), ("INSCS001", [""])):
            reply, visited = tutor.follow(f"/user/m.price/voila/render/{notebook}.ipynb")
            assert reply.status_code == 200, visited
            kernel_id = KERNEL_ID.search(reply.text)[1]

            async def who(kernel_id=kernel_id, tutor=tutor) -> dict[str, dict]:
                socket = await connect(running, "m.price", kernel_id, tutor.cookie_header())
                try:
                    return await states_of(socket)
                finally:
                    socket.close()

            states = run_apart(who())
            assert signed_in(states) == expected, notebook
            shown[notebook] = " ".join(
                str(s["state"]["value"]) for s in states.values() if "value" in s["state"]
            )
        one = f"Competent: {percent(1 / len(load()['INSCS001'].criteria))}%"
        heat_map = shown["tutor"]
        assert "Aisha Khan (a.khan)" in heat_map and "Ben Jones (b.jones)" in heat_map
        assert heat_map.count(one) == 2, heat_map[:2000]
    with browser(running) as learner:  # a tutor's code is no learner's
        assert learner.sign_in("a.khan", codes["m.price"]).status_code == 403
        assert learner.sign_in_only("a.khan", codes["a.khan"]).status_code == 302
    with sqlite3.connect(running.state / "jupyterhub.sqlite") as db:
        rows = db.execute(
            "SELECT groups.name, users.name FROM groups JOIN user_group_map "
            "ON groups.id = user_group_map.group_id JOIN users ON users.id = user_group_map.user_id"
        ).fetchall()
    assert ("tutors-hub-test", "m.price") in rows
    assert ("learners-hub-test", "m.price") not in rows
    assert ("learners-hub-test", "a.khan") in rows  # learners have a group of their own
    assert not [row for row in rows if row[0] == "tutors-hub-test" and row[1] != "m.price"]


def test_a_learners_kernel_runs_no_code_sent_to_it(hub, tmp_path):
    running, codes = hub
    marker = tmp_path / "executed"
    with browser(running) as person:
        person.sign_in("a.khan", codes["a.khan"])
        _, kernel_id = person.open_unit("a.khan", "INSCS001")

        async def talk() -> list:
            from classroom_server import V1, receive, send

            socket = await connect(running, "a.khan", kernel_id, person.cookie_header())
            try:
                code = f"open({str(marker)!r}, 'w').write('ran')"
                execute = {
                    "code": code,
                    "silent": False,
                    "store_history": True,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                }
                await send(socket, "execute_request", execute, V1)
                await states_of(socket)  # the socket still works
                return await receive(socket, V1, 3)
            finally:
                socket.close()

        received = run_apart(talk())
    assert not marker.exists()
    answered = [
        m for m in received if m and m["parent_header"].get("msg_type") == "execute_request"
    ]
    assert not answered, answered


@pytest.mark.parametrize(
    "path",
    [
        "lab",
        "lab/tree/INSCS001.ipynb",
        "tree",
        "api/contents",
        "api/contents/INSCS001.ipynb",
        "voila/api/contents",
        "api/terminals",
        "terminals/1",
        "api/kernels",
        "api/sessions",
        "notebooks/INSCS001.ipynb",
        "files/INSCS001.ipynb",
    ],
)
def test_a_learners_server_has_no_jupyterlab_contents_or_terminals(hub, path):
    running, codes = hub
    with browser(running) as person:
        person.sign_in("a.khan", codes["a.khan"])
        landing, visited = person.follow("/user/a.khan/")  # signed in to the server too
        assert landing.status_code == 200 and "voila/render/index.ipynb" in landing.text, visited
        reply = person.client.get(f"/user/a.khan/{path}")
        assert reply.status_code == 404, (path, reply.status_code, reply.text[:300])
        assert "Traceback" not in reply.text


def test_an_answer_made_through_the_hub_survives_a_hub_restart_and_so_do_sign_ins(hub):
    running, codes = hub
    with browser(running) as person:
        person.sign_in("a.khan", codes["a.khan"])
        _, kernel_id = person.open_unit("a.khan", "INSCS001")

        async def rate_pc1() -> dict:
            socket = await connect(running, "a.khan", kernel_id, person.cookie_header())
            try:
                return await rate(socket, await states_of(socket), "INSCS001.PC1", "Competent")
            finally:
                socket.close()

        assert run_apart(rate_pc1())["ok"] is True
        with open_store(running.store) as opened:
            assert opened.load("hub-test", "a.khan")["INSCS001.PC1"].rating == "Competent"

        running.stop()
        assert "Cleaning up single-user servers" in running.output()
        running.start()
        assert running.output().count("JupyterHub is now running") == 2

        # The same browser is still signed in (the cookie secret and database were kept),
        # its server starts again, and the workbook shows the answer.
        assert person.client.get("/hub/home").status_code == 200
        person.start_server()  # the hub stopped it
        page, kernel_id = person.open_unit("a.khan", "INSCS001")

        async def saved() -> dict:
            socket = await connect(running, "a.khan", kernel_id, person.cookie_header())
            try:
                states = await states_of(socket)
            finally:
                socket.close()
            return next(
                s["state"]["values"]
                for s in states.values()
                if "INSCS001.PC1" in s["state"].get("values", {})
            )

        assert run_apart(saved())["INSCS001.PC1"]["rating"] == "Competent"
    with browser(running) as other:
        assert other.sign_in("b.jones", codes["b.jones"]).status_code == 302
    assert not re.search(r"\] Traceback|500 (GET|POST)", running.output())


# The JupyterLab profile: a hub of its own, on the same build and store


@pytest.fixture(scope="module")
def lab_hub(hub: tuple[Hub, dict[str, str]]) -> Iterator[tuple[Hub, dict[str, str]]]:
    running, codes = hub
    lab = start_hub(
        running.scratch, running.cohort_file, running.store, "--profile", "lab", name="lab"
    )
    yield lab, codes
    lab.stop()


def _environ(pid: int) -> dict[str, str]:
    raw = (Path("/proc") / str(pid) / "environ").read_bytes().decode(errors="replace")
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def test_the_lab_profile_gives_a_learner_jupyterlab_on_their_own_copy_signed_in_by_the_hub(
    lab_hub,
):
    lab, codes = lab_hub
    with browser(lab) as person:
        person.sign_in("a.khan", codes["a.khan"])
        reply, visited = person.follow("/user/a.khan/lab")
        assert reply.status_code == 200 and "JupyterLab" in reply.text, visited
        copy = lab.state / "users" / "a.khan" / "workbooks"
        assert (copy / "INSCS001.ipynb").is_file() and (copy / "index.ipynb").is_file()
        xsrf = next(
            c.value for c in person.client.cookies.jar if c.name == "_xsrf" and "a.khan" in c.path
        )
        started = person.client.post(
            "/user/a.khan/api/kernels", json={"name": "python3"}, headers={"X-XSRFToken": xsrf}
        )
        assert started.status_code == 201, started.text[:300]
        kernel_id = started.json()["id"]
        kernels = {kid: pid for pid, kid in kernels_in(lab.state).items()}
        assert kernel_id in kernels
        # The kernel is told who the hub signed in; the server itself (and so a terminal) not.
        env = _environ(kernels[kernel_id])
        assert env[runtime.HUB_SIGNED_IN] == env[runtime.HUB_USER] == "a.khan"
        server = [
            pid
            for pid in processes_under(lab.state / "users" / "a.khan")
            if b"jupyterhub.singleuser" in (Path("/proc") / str(pid) / "cmdline").read_bytes()
        ]
        assert server and runtime.HUB_SIGNED_IN not in _environ(server[0])
        assert person.client.get("/user/b.jones/lab").status_code in (302, 403, 424)


# Servers made ready as the hub starts: a hub of its own, with room for one


def test_with_ready_the_rosters_servers_start_with_the_hub_and_keep_kernels_ready(hub):
    """Within the cap, in roster order; each server keeps a kernel ready for the index and
    the lesson's unit, and a kernel made ready before the learner's latest answer shows it."""
    running, codes = hub
    warm = start_hub(
        running.scratch,
        running.cohort_file,
        running.store,
        "--ready-unit",
        "INSCS001",
        "--max-servers",
        "1",
        name="ready",
    )

    def kernels(person: str) -> list[str]:
        return list(kernels_in(warm.state / "users" / person).values())

    def wait_for(what: str, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 120
        while not done():
            assert time.monotonic() < deadline, f"{what}:\n{warm.output()[-2000:]}"
            time.sleep(0.5)

    async def rating_of(kernel_id: str, cookie: str, criterion: str, new: str = "") -> str:
        socket = await connect(warm, "a.khan", kernel_id, cookie)
        try:
            states = await states_of(socket)
            if new:
                ack = await rate(socket, states, criterion, new)
                assert ack["ok"] is True, (ack, signed_in(states))
                return new
            values = next(
                s["state"]["values"]
                for s in states.values()
                if criterion in s["state"].get("values", {})
            )
            return values[criterion]["rating"]
        finally:
            socket.close()

    try:
        wait_for("a.khan's server up", lambda: "1 of 1 learners' servers are up" in warm.output())
        assert "leaves 1 learner(s) to start their own server when they sign in: b.jones" in (
            warm.output()
        )
        wait_for("two kernels kept ready", lambda: len(kernels("a.khan")) == 2)
        assert not (warm.state / "users" / "b.jones").exists()  # the cap
        assert not (warm.state / "users" / "m.price").exists()  # tutors are not started
        with browser(warm) as a:
            assert a.sign_in_only("a.khan", codes["a.khan"]).status_code == 302
            reply, visited = a.follow("/hub/spawn", seconds=0)
            assert reply.status_code == 200, visited
            assert not any("spawn-pending" in url for url in visited), visited
            page, first = a.open_unit("a.khan", "INSCS001")
            assert UNIT_TITLE in page and first in kernels("a.khan")  # one kept ready
            wait_for("the unit's pool refilled", lambda: len(kernels("a.khan")) == 3)
            time.sleep(5)  # its notebook run, before the answer below
            with open_store(warm.store) as opened:
                before = opened.load("hub-test", "a.khan").get("INSCS001.PC3")
            new = "Developing" if before is None or before.rating != "Developing" else "Not yet"
            run_apart(rating_of(first, a.cookie_header(), "INSCS001.PC3", new))
            _, second = a.open_unit("a.khan", "INSCS001")
            assert second != first
            assert run_apart(rating_of(second, a.cookie_header(), "INSCS001.PC3")) == new
    finally:
        warm.stop()
    assert not re.search(r"\] Traceback|500 (GET|POST)", warm.output())


# Idle servers and the cap: a hub of its own that culls after 10 idle seconds and runs one


def test_idle_servers_are_culled_and_the_cap_holds_the_next_learner_until_there_is_room(hub):
    running, codes = hub
    small = start_hub(
        running.scratch,
        running.cohort_file,
        running.store,
        "--cull-after",
        "10",
        "--max-servers",
        "1",
        name="small",
    )
    try:
        with browser(small) as a, browser(small) as b:
            assert a.sign_in("a.khan", codes["a.khan"]).status_code == 302
            assert b.sign_in_only("b.jones", codes["b.jones"]).status_code == 302
            refused = b.client.get("/hub/spawn")
            assert refused.status_code == 429, refused.status_code
            assert "Active user limit exceeded" in refused.text

            def culled() -> bool:
                return "Culling server a.khan" in small.output()

            deadline = time.monotonic() + 90
            while not culled():
                assert time.monotonic() < deadline, "a.khan's idle server was not culled"
                time.sleep(1)
            while b.client.get("/hub/spawn").status_code == 429:  # until a.khan's has stopped
                assert time.monotonic() < deadline, "no room after the cull"
                time.sleep(1)
            b.start_server()  # room again
            page, _ = b.open_unit("b.jones", "INSCS001")
            assert UNIT_TITLE in page
    finally:
        small.stop()
