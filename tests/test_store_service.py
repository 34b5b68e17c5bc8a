"""The store as a JupyterHub service, against a real hub, the real proxy and real databases.

One hub for the module (`nosworkbook.hub.testhub`), in its own temporary folder, runs two
store services it manages, one on SQLite and one on a throwaway PostgreSQL cluster, configured
as the hub's configuration configures them. Each test that goes through the hub runs on both.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from nosworkbook import ids
from nosworkbook.classroom.access import Throttle, hash_code, new_code
from nosworkbook.cohorts import load_cohort
from nosworkbook.hub import store_service, testhub
from nosworkbook.hub.permissions import Caller, Refused, may_read, may_write, tutor_of
from nosworkbook.hub.tokens import TokenCache
from nosworkbook.portfolio import collect
from nosworkbook.store import StoreError, open_store, wire
from nosworkbook.store.errors import SaveLimitReached
from nosworkbook.store.remote import RemoteStore, is_service

COHORT, OTHER = "retail-2027", "hospitality-2027"
A, B, TUTOR, OUTSIDER = "a.khan", "b.jones", "m.price", "c.other"
PC1, PC2 = "INSCS027.PC1", "INSCS027.PC2"
EXERCISE = "INSCS027.risk-classification"
SERVICES = {"sqlite": "nosworkbook-store", "postgresql": "nosworkbook-store-pg"}
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def hub() -> Iterator[SimpleNamespace]:
    with testhub.postgres() as database:
        state = Path(tempfile.mkdtemp(prefix="nosw-hub-"))
        sqlite_file = state / "progress.sqlite"
        running = testhub.Hub(
            {SERVICES["sqlite"]: str(sqlite_file), SERVICES["postgresql"]: database}, state
        )
        try:
            running.start()
            running.add_users(
                {
                    f"learners-{COHORT}": [A, B],
                    f"tutors-{COHORT}": [TUTOR],
                    f"learners-{OTHER}": [OUTSIDER],
                }
            )
            tokens = {user: running.token(user) for user in (A, B, TUTOR, OUTSIDER)}
            databases = {SERVICES["sqlite"]: sqlite_file, SERVICES["postgresql"]: database}
            yield SimpleNamespace(
                hub=running, tokens=tokens, sqlite_file=sqlite_file, databases=databases
            )
        finally:
            running.close()


@pytest.fixture(params=list(SERVICES))
def backend(request: pytest.FixtureRequest) -> str:
    return SERVICES[request.param]


def _store(hub: SimpleNamespace, backend: str, user: str) -> RemoteStore:
    return RemoteStore(hub.hub.url(backend), hub.tokens[user])


def _raw(hub: SimpleNamespace, backend: str, method: str, **kwargs: object) -> httpx.Response:
    return httpx.post(hub.hub.url(backend) + f"api/{method}", timeout=30, **kwargs)


def _everything(store: object, learner: str) -> tuple[object, ...]:
    return (
        store.load(COHORT, learner),  # type: ignore[attr-defined]
        store.history(COHORT, learner),  # type: ignore[attr-defined]
        store.attempts(COHORT, learner),  # type: ignore[attr-defined]
        store.sign_off_log(COHORT, learner),  # type: ignore[attr-defined]
    )


# -- without a hub: the rules and the wire format ------------------------------------------


def test_a_learner_reads_and_writes_only_their_own_records_in_their_cohort():
    learner = Caller(A, frozenset({f"learners-{COHORT}"}))
    may_read(learner, COHORT, A)
    may_write(learner, COHORT, A)
    for check in (may_read, may_write):
        with pytest.raises(Refused):
            check(learner, COHORT, B)
        with pytest.raises(Refused):
            check(learner, OTHER, A)
    with pytest.raises(Refused):
        tutor_of(learner, COHORT)


def test_a_cohorts_tutor_reads_everyone_in_it_but_saves_nobodys_work():
    tutor = Caller(TUTOR, frozenset({f"tutors-{COHORT}"}))
    may_read(tutor, COHORT, A)
    tutor_of(tutor, COHORT)
    with pytest.raises(Refused):
        may_write(tutor, COHORT, A)
    with pytest.raises(Refused):
        may_read(tutor, OTHER, A)


def test_a_services_token_is_refused():
    with pytest.raises(Refused):
        Caller.from_hub({"kind": "service", "name": "anything"})


def test_the_hub_configuration_keeps_the_database_in_the_services_environment_only(
    tmp_path, monkeypatch
):
    url = "postgresql+psycopg://store:s3cret@db.example/progress"
    entry = store_service.service_config(url)
    assert entry["environment"][store_service.DATABASE_ENV] == url
    assert entry["command"][1:] == ["-m", "nosworkbook.hub.store_service"]
    learner = store_service.learner_environment()
    assert learner == {"NOSWORKBOOK_STORE": "http://127.0.0.1:10101/services/nosworkbook-store/"}
    assert "s3cret" not in repr(store_service.roles()) + repr(learner)
    with pytest.raises(ValueError):
        store_service.service_config("http://127.0.0.1:10101/services/nosworkbook-store/")
    monkeypatch.setenv("NOSWORKBOOK_STORE", str(tmp_path / "hub.sqlite"))  # the hub's own
    default = store_service.service_config()["environment"][store_service.DATABASE_ENV]
    assert default == str(tmp_path / "hub.sqlite")


def test_the_hubs_answer_about_a_token_is_remembered_and_renewed_without_waiting():
    now, asked = [0.0], []
    answers = {"good": {"name": A}, "bad": None}

    async def ask(token: str) -> object:
        asked.append(token)
        await asyncio.sleep(0)
        return answers[token]

    async def scenario() -> None:
        cache = TokenCache(ask, max_age=60, clock=lambda: now[0])
        both = await asyncio.gather(cache.owner("good"), cache.owner("good"))
        assert both == [{"name": A}] * 2 and asked == ["good"]  # one question at a time
        now[0] = 40  # old enough to renew: answered at once, renewed behind
        answers["good"] = {"name": A, "groups": ["tutors-x"]}
        assert await cache.owner("good") == {"name": A}
        await asyncio.sleep(0.01)
        assert asked == ["good", "good"]
        assert await cache.owner("good") == {"name": A, "groups": ["tutors-x"]}
        assert await cache.owner("bad") is None and await cache.owner("bad") is None
        assert asked.count("bad") == 1  # a nonsense token is remembered for a while
        now[0] = 200  # too old to trust: waits for the hub
        answers["good"] = None  # revoked
        assert await cache.owner("good") is None

    asyncio.run(scenario())


class _Auth:
    """Stands in for HubAuth: every token is A's, unless the hub is down."""

    auth_header_pat = re.compile(r"(?:token|bearer)\s+(.+)", re.IGNORECASE)
    access_scopes = {"access:services!service=x"}
    hub_down = False

    async def user_for_token(self, token: str, **_kwargs: object) -> dict[str, object]:
        if self.hub_down:
            raise OSError("connection refused")
        return {"kind": "user", "name": A, "groups": [f"learners-{COHORT}"], "scopes": []}

    def check_scopes(self, _required: object, _model: object) -> bool:
        return True


class _BrokenStore:
    _dialect = "sqlite"

    def load(self, *_args: object, **_kwargs: object) -> None:
        raise StoreError("/srv/secret/progress.sqlite", "is damaged (disk I/O error)")

    def history(self, *_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")


@contextlib.asynccontextmanager
async def _serving(app: store_service.StoreApp) -> AsyncIterator[str]:
    """`app` on uvicorn, as the service runs it, at the base URL yielded; then stopped as the
    service stops: every save asked for written, the threads shut down."""
    port = testhub.free_port()
    server = store_service.http_server(app, "127.0.0.1", port)
    running = asyncio.ensure_future(server.serve())
    while not server.started:
        if running.done():
            running.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}{app.prefix}"
    finally:
        server.should_exit = True
        await running
        await app.saves.finish()
        app.close()


def test_a_store_failure_an_unexpected_error_or_the_hub_down_is_503_never_500():
    auth = _Auth()
    body = {"cohort": COHORT, "learner": A}

    async def scenario() -> None:
        app = store_service.StoreApp(_BrokenStore(), auth, "/services/x/", 60)
        async with _serving(app) as base:
            headers = {"Authorization": "token t"}
            async with httpx.AsyncClient(base_url=base, headers=headers) as client:
                damaged = await client.post("api/load", json=body)
                assert damaged.status_code == 503 and "secret" not in damaged.text
                assert (await client.post("api/history", json=body)).status_code == 503
                assert (await client.get("")).status_code == 200  # the hub's check
                auth.hub_down = True
                down = await client.post(
                    "api/load", json=body, headers={"Authorization": "token u"}
                )
                assert down.status_code == 503 and "hub" in down.json()["error"]

    asyncio.run(scenario())


def test_saves_arriving_together_share_a_commit_and_each_gets_its_own_answer(tmp_path):
    """Thirty saves at once through the service: each answered with its own record (or its
    own refusal), in far fewer transactions than saves, and all of them in the store."""
    from sqlalchemy import event

    auth = _Auth()
    store = open_store(tmp_path / "progress.sqlite")
    commits: list[int] = []
    event.listen(store._engine, "commit", lambda conn: commits.append(1))

    async def scenario() -> list[httpx.Response]:
        app = store_service.StoreApp(store, auth, "/services/x/", 60)
        async with (
            _serving(app) as base,
            httpx.AsyncClient(base_url=base, headers={"Authorization": "token t"}) as client,
        ):
            bodies = [
                {"cohort": COHORT, "learner": A, "criterion": f"INSCS027.PC{n + 1}"}
                | {"rating": "Competent", "evidence": f"Note {n}"}
                for n in range(30)
            ]
            bodies[7] = {"cohort": COHORT, "learner": A, "criterion": PC1}  # nothing to save
            bodies[9] = {"cohort": COHORT, "learner": B, "criterion": PC1, "rating": "x"}
            return await asyncio.gather(*(client.post("api/save", json=b) for b in bodies))

    answers = asyncio.run(scenario())
    codes = [answer.status_code for answer in answers]
    assert codes == [200] * 7 + [400, 200, 403] + [200] * 20
    assert "Nothing to save" in answers[7].json()["error"]
    assert answers[29].json()["result"]["evidence"] == "Note 29"
    held = store.load(COHORT, A)
    assert len(held) == 28 and held["INSCS027.PC30"].evidence == "Note 29"
    assert len(commits) < 10, len(commits)  # saves that waited went in together
    store.close()


def test_the_writer_process_writes_answers_and_refuses_as_the_store_and_outlives_a_crash(
    tmp_path,
):
    """The service's writes run in a process of their own: what it gives back, refusals and
    errors included, comes back as the store's own values and exceptions; if the process
    dies its writes fail with a StoreError, and the next write starts another."""
    from nosworkbook.hub.writer import ProcessWriter
    from nosworkbook.store import Record, Save

    path = tmp_path / "progress.sqlite"
    open_store(path).close()
    tutor = Caller(TUTOR, frozenset({f"tutors-{COHORT}"}))
    learner = Caller(A, frozenset({f"learners-{COHORT}"}))

    async def scenario() -> None:
        writer = ProcessWriter(str(path), str(path))
        try:
            saved, bad = await writer.save_many(
                [Save(COHORT, A, PC1, rating="Competent"), Save(COHORT, A, "INSCS027.PC0")]
            )
            assert isinstance(saved, Record) and saved.rating == "Competent"
            assert isinstance(bad, ValueError) and "Criterion id" in str(bad)
            signed = await writer.call(
                tutor,
                "sign_off",
                {"cohort": COHORT, "learner": A}
                | {"criterion": PC1, "tutor": TUTOR, "feedback": "Good."},
            )
            assert signed.tutor == TUTOR
            with pytest.raises(Refused):
                await writer.call(
                    learner,
                    "sign_off",
                    {"cohort": COHORT, "learner": A} | {"criterion": PC1, "tutor": A},
                )
            for child in psutil.Process().children():
                if "resource_tracker" not in " ".join(child.cmdline()):
                    child.kill()  # the writer process
            with pytest.raises(StoreError, match="writer process stopped"):
                await writer.save_many([Save(COHORT, A, PC2, rating="Competent")])
            (again,) = await writer.save_many([Save(COHORT, A, PC2, rating="Developing")])
            assert again.rating == "Developing"
        finally:
            writer.close()

    asyncio.run(scenario())
    with open_store(path) as store:
        assert store.load(COHORT, A)[PC2].rating == "Developing"
        assert [s.tutor for s in store.sign_off_log(COHORT)] == [TUTOR]


def test_records_cross_the_wire_as_the_same_dataclasses_with_their_time_zone(tmp_path):
    with open_store(tmp_path / "progress.sqlite") as store:
        record = store.save(COHORT, A, PC1, rating="Competent", evidence="Logged the call. 😀")
        attempt = store.save_attempt(COHORT, A, EXERCISE, {"risk1.level": "high"}, 0.5)
        signed = store.sign_off(COHORT, A, PC1, tutor=TUTOR, feedback="Good.")
        results = {
            "save": record,
            "load": store.load(COHORT, A),
            "history": store.history(COHORT, A),
            "latest_attempt": attempt,
            "attempts": store.attempts(COHORT, A),
            "sign_off": signed,
            "sign_off_log": store.sign_off_log(COHORT),
            "sign_off_states": store.sign_off_states(COHORT, A),
            "cohort_reports": store.cohort_reports(COHORT),
            "cohort_summary": store.cohort_summary(COHORT, ("Not yet", "Competent")),
            "sign_in_locked_until": datetime(2027, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        }
    for method, result in results.items():
        back = wire.decode(method, httpx.Response(200, json=wire.encode(result)).json())
        assert back == result
    assert back.tzinfo is not None
    assert wire.decode("latest_attempt", None) is None
    # A kernel on the hub decodes these without importing SQLAlchemy: thirty kernels' first
    # saves would otherwise wait for thirty imports of it at once.
    sent = tmp_path / "answers.json"
    sent.write_text(json.dumps({method: wire.encode(r) for method, r in results.items()}))
    code = (
        "import json, sys; from nosworkbook.store import wire;"
        f"answers = json.load(open({str(sent)!r}));"
        "decoded = [wire.decode(m, v) for m, v in answers.items()];"
        "print(len(decoded), 'sqlalchemy' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert found.stdout.split() == [str(len(results)), "False"], found.stderr


def test_a_service_url_opens_a_remote_store_without_loading_the_database_module():
    code = (
        "import sys, os; os.environ['JUPYTERHUB_API_TOKEN'] = 'x';"
        "from nosworkbook.store import open_store;"
        "s = open_store('http://127.0.0.1:9/services/nosworkbook-store/');"
        "print(type(s).__name__, 'sqlalchemy' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert found.stdout.split() == ["RemoteStore", "False"], found.stderr
    assert is_service("https://hub.example/services/nosworkbook-store/")
    assert not is_service("postgresql://db.example/progress")


def test_a_kernel_without_a_hub_token_is_told_so(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    with pytest.raises(StoreError, match="no hub token"):
        open_store("http://127.0.0.1:9/services/nosworkbook-store/")


def test_an_unreachable_service_is_a_store_error_naming_it():
    port = testhub.free_port()
    store = RemoteStore(f"http://127.0.0.1:{port}/services/x/", "token")
    with store, pytest.raises(StoreError, match=f"127.0.0.1:{port}.*cannot be reached"):
        store.load(COHORT, A)


def test_a_service_that_never_answers_is_a_store_error_after_the_timeout():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()  # accepts connections, never answers
        port = listening.getsockname()[1]
        store = RemoteStore(f"http://127.0.0.1:{port}/services/x/", "token", timeout=0.5)
        with store, pytest.raises(StoreError, match="did not answer save in time"):
            store.save(COHORT, A, PC1, rating="Competent")


# -- through a real hub ----------------------------------------------------------------------


def test_a_learner_saves_and_loads_through_the_service(hub, backend, monkeypatch):
    monkeypatch.setenv("NOSWORKBOOK_STORE", hub.hub.url(backend))  # as the hub's spawner sets
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", hub.tokens[A])
    with open_store() as store:
        assert isinstance(store, RemoteStore)
        saved = store.save(COHORT, A, PC1, rating="Developing", evidence="Greeted the customer.")
        store.save(COHORT, A, PC1, rating="Competent")  # the note is kept
        store.save(COHORT, A, PC2, evidence="Took the complaint.")
        attempt = store.save_attempt(COHORT, A, EXERCISE, {"risk1.level": "high"}, 0.75)
        loaded = store.load(COHORT, A, urn="INSCS027")
        assert (loaded[PC1].rating, loaded[PC1].evidence) == ("Competent", "Greeted the customer.")
        assert loaded[PC1].changed_at.tzinfo is not None and saved.changed_at.tzinfo is not None
        assert [c.rating for c in store.history(COHORT, A, criterion=PC1)][-2:] == [
            "Developing",
            "Competent",
        ]
        assert store.latest_attempt(COHORT, A, EXERCISE) == attempt
        assert store.latest_attempt(COHORT, A, "INSCS027.no-such-exercise") is None
        assert store.has_access_codes(COHORT) is False
    if backend == SERVICES["sqlite"]:  # what the service stored is what the database holds
        with open_store(hub.sqlite_file) as local:
            assert local.load(COHORT, A, urn="INSCS027") == loaded


def test_another_learner_cannot_read_or_write_a_learners_records(hub, backend):
    with _store(hub, backend, A) as own:
        own.save(COHORT, A, PC1, evidence="Mine.")
        before = _everything(own, A)
    with _store(hub, backend, B) as other:
        for read in (other.load, other.history, other.attempts, other.sign_off_states):
            with pytest.raises(StoreError, match="refused.*only their own"):
                read(COHORT, A)
        with pytest.raises(StoreError, match="refused"):
            other.save(COHORT, A, PC1, evidence="Not mine.")
        with pytest.raises(StoreError, match="refused"):
            other.save_attempt(COHORT, A, EXERCISE, {"risk1.level": "low"}, 1.0)
        with pytest.raises(StoreError, match="refused"):
            other.learners(COHORT)
        with pytest.raises(StoreError, match="refused"):
            other.cohort_reports(COHORT)
        with pytest.raises(StoreError, match="refused"):
            other.cohort_summary(COHORT, ("Not yet", "Competent"))
        with pytest.raises(StoreError, match="refused"):
            other.verify_access(COHORT, A, "guess")
    with _store(hub, backend, OUTSIDER) as outsider, pytest.raises(StoreError, match="refused"):
        outsider.save(COHORT, OUTSIDER, PC1, evidence="Not my cohort.")
    with _store(hub, backend, A) as own:
        assert _everything(own, A) == before


def test_no_token_a_garbage_token_and_a_token_without_the_scope_are_refused(hub, backend):
    body = {"cohort": COHORT, "learner": A}
    none = _raw(hub, backend, "load", json=body)
    assert none.status_code == 401 and none.headers["www-authenticate"] == "token"
    assert none.headers["cache-control"] == "no-store"
    garbage = {"Authorization": "token " + "x" * 40}
    answer = _raw(hub, backend, "load", json=body, headers=garbage)
    assert answer.status_code == 401 and "error" in answer.json()
    narrow = hub.hub.token(A, "read:users:name!user")
    answer = _raw(hub, backend, "load", json=body, headers={"Authorization": f"token {narrow}"})
    assert answer.status_code == 403
    store = RemoteStore(hub.hub.url(backend), "x" * 40)
    with store, pytest.raises(StoreError, match="refused load"):
        store.load(COHORT, A)


def test_a_tutor_reads_the_cohort_and_signs_off_as_themselves(hub, backend):
    with _store(hub, backend, A) as a, _store(hub, backend, B) as b:
        a.save(COHORT, A, PC2, rating="Competent", evidence="Resolved it.")
        b.save(COHORT, B, PC2, rating="Developing")
    with _store(hub, backend, TUTOR) as tutor:
        assert {A, B} <= set(tutor.learners(COHORT))
        assert tutor.load(COHORT, A)[PC2].rating == "Competent"
        assert tutor.load(COHORT, B)[PC2].rating == "Developing"
        signed = tutor.sign_off(COHORT, A, PC2, tutor=TUTOR)
        assert (signed.tutor, signed.action) == (TUTOR, "signed off")
        returned = tutor.sign_off(COHORT, B, PC2, feedback="Say what you did.", returned=True)
        assert returned.tutor == TUTOR
        with pytest.raises(StoreError, match="as themselves"):
            tutor.sign_off(COHORT, A, PC2, tutor="someone.else")
        with pytest.raises(ValueError, match="needs feedback"):
            tutor.sign_off(COHORT, B, PC2, returned=True)
        with pytest.raises(StoreError, match="refused"):
            tutor.save(COHORT, A, PC2, rating="Not yet")
        with pytest.raises(StoreError, match="refused"):
            tutor.load(OTHER, OUTSIDER)
        assert tutor.sign_off_log(COHORT)[-2:] == [signed, returned]
        summary = tutor.cohort_summary(COHORT, ("Not yet", "Developing", "Competent"))
        assert (summary[A].ratings[PC2], summary[A].decisions[PC2]) == ("Competent", "signed off")
        assert summary[B].travelled[PC2] == ("Developing", "Developing")
        for scale in (["Only one"], ["x", "x"], [f"r{n}" for n in range(21)]):
            with pytest.raises(ValueError, match="rating scale"):
                tutor.cohort_summary(COHORT, scale)
    with _store(hub, backend, A) as a:
        assert a.sign_off_states(COHORT, A)[PC2].tutor == TUTOR
        assert a.sign_off_log(COHORT, A)[-1] == signed
        with pytest.raises(StoreError, match="refused"):
            a.sign_off(COHORT, A, PC2)
        with pytest.raises(StoreError, match="refused"):
            a.sign_off(COHORT, B, PC2, tutor=A)
        with pytest.raises(StoreError, match="refused"):
            a.sign_off_log(COHORT)


def test_hostile_requests_get_a_clear_refusal_and_change_nothing(hub, backend):
    auth = {"Authorization": f"token {hub.tokens[A]}"}
    with _store(hub, backend, A) as store:
        store.save(COHORT, A, PC1, evidence="Before.")
        before = _everything(store, A)
        huge = {"cohort": COHORT, "learner": A, "criterion": PC1, "evidence": "x" * 1_000_000}
        for direct in (False, True):  # through the proxy, and at the service's own address
            base = hub.hub.direct_url(backend) if direct else hub.hub.url(backend)
            url = base + "api/save"
            answer = httpx.post(url, json=huge, headers=auth, timeout=30)
            assert answer.status_code == 413, answer.text
            assert "bytes" in answer.json()["error"]
        cases = [
            ({"cohort": COHORT, "learner": A, "criterion": "INSCS027.PC0", "rating": "x"}, 400),
            ({"cohort": COHORT, "learner": A, "criterion": PC1, "rating": 5}, 400),
            ({"cohort": COHORT, "learner": A, "criterion": PC1, "evidence": ["a"]}, 400),
            ({"cohort": COHORT, "learner": A, "criterion": PC1, "when": "now"}, 400),
            ({"cohort": COHORT, "learner": A}, 400),
            ({"cohort": "Not A Slug", "learner": A, "criterion": PC1, "rating": "x"}, 400),
            ([1, 2, 3], 400),
        ]
        for body, status in cases:
            answer = _raw(hub, backend, "save", json=body, headers=auth)
            assert answer.status_code == status, (body, answer.text)
            assert "\n" not in answer.json()["error"]
        for body in (
            {"cohort": COHORT, "learner": A, "exercise_id": EXERCISE, "answer": [], "score": 1},
            {"cohort": COHORT, "learner": A, "exercise_id": EXERCISE, "answer": {}, "score": "1"},
        ):
            assert _raw(hub, backend, "save_attempt", json=body, headers=auth).status_code == 400
        not_json = _raw(hub, backend, "save", content=b"{nope", headers=auth)
        assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
        assert _raw(hub, backend, "drop_everything", json={}, headers=auth).status_code == 404
        assert _raw(hub, backend, "set_access_code", json={}, headers=auth).status_code == 404
        assert httpx.get(hub.hub.url(backend) + "api/load", headers=auth).status_code == 405
        assert httpx.get(hub.hub.url(backend) + "nothing/here").status_code == 404
        direct = urlsplit(hub.hub.direct_url(backend))
        with socket.create_connection((direct.hostname, direct.port), timeout=10) as raw:
            raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            assert raw.recv(100).startswith(b"HTTP/1.1 400 ")  # the parser's refusal, not a 500
        with pytest.raises(ValueError, match="Criterion id"):
            store.save(COHORT, A, "INSCS027.PC0", rating="Competent")
        assert _everything(store, A) == before


def test_saving_too_fast_is_the_same_refusal_as_from_a_local_store(hub, backend):
    with _store(hub, backend, B) as store:
        note = "n" * ids.MAX_EVIDENCE
        with pytest.raises(SaveLimitReached):
            for n in range(ids.MAX_SAVED_CHARS_PER_MINUTE // ids.MAX_EVIDENCE + 1):
                store.save(COHORT, B, f"INSCS001.PC{n + 1}", evidence=note)


def test_after_the_hub_and_the_service_restart_everything_is_still_there(hub):
    stores = {backend: _store(hub, backend, A) for backend in SERVICES.values()}
    for backend, store in stores.items():
        store.save(COHORT, A, "INSCS027.KU3", evidence=f"Kept over a restart ({backend}).")
    before = {backend: _everything(store, A) for backend, store in stores.items()}
    hub.hub.stop()
    hub.hub.start()
    for backend, store in stores.items():  # the same clients: their connections were closed
        assert _everything(store, A) == before[backend]
        assert store.load(COHORT, A)["INSCS027.KU3"].evidence.startswith("Kept over a restart")
        store.close()
    sqlite = SERVICES["sqlite"]
    with _store(hub, sqlite, TUTOR) as tutor:
        assert tutor.load(COHORT, A) == before[sqlite][0]


def test_the_reports_read_the_same_through_a_tutors_token_as_from_the_database(hub, tmp_path):
    sqlite = SERVICES["sqlite"]
    cohort_file = tmp_path / "cohort.yaml"
    cohort_file.write_text(
        f"name: Retail 2027\nslug: {COHORT}\nsector: retail\nunits: [INSCS027]\n"
        f"learners:\n  - {{id: {A}, name: Aisha Khan}}\n  - {{id: {B}, name: Ben Jones}}\n"
        f"tutors:\n  - {{id: {TUTOR}, name: Mina Price}}\n",
        encoding="utf-8",
    )
    cohort = load_cohort(cohort_file)
    with _store(hub, sqlite, A) as own:
        own.save(COHORT, A, PC1, rating="Competent", evidence="For the report.")
    with _store(hub, sqlite, TUTOR) as remote, open_store(hub.sqlite_file) as local:
        assert collect.learner_export(remote, cohort, A, now=NOW) == collect.learner_export(
            local, cohort, A, now=NOW
        )
        assert collect.cohort_portfolios(remote, cohort, now=NOW) == collect.cohort_portfolios(
            local, cohort, now=NOW
        )
        scale = ("Not yet", "Developing", "Competent")
        assert remote.cohort_summary(COHORT, scale) == local.cohort_summary(COHORT, scale)
    with _store(hub, sqlite, A) as own, pytest.raises(StoreError, match="refused"):
        collect.learner_export(own, cohort, B, now=NOW)


def test_access_codes_and_the_sign_in_throttle_work_through_the_service(hub, backend):
    code = new_code()
    with open_store(hub.databases[backend]) as local:  # as `nosworkbook cohort codes` does
        local.set_access_code(COHORT, OUTSIDER, *hash_code(code), replace=True)
        local.set_access_code(COHORT, TUTOR, *hash_code(code), replace=True, role="tutor")
    throttle = Throttle()
    with _store(hub, backend, A) as own:
        assert own.has_access_codes(COHORT) is True
        assert own.verify_access(COHORT, A, code) is False  # A has no code; it is not A's
        assert throttle.wait(own, COHORT, A, "ab12") == 0
        locked = [throttle.failed(own, COHORT, A, "ab12") for _ in range(throttle.max_failures)]
        assert locked[-1] is True and not any(locked[:-1])
        assert throttle.wait(own, COHORT, A, "ab12") > 0
        throttle.succeeded(own, COHORT, A)
        with pytest.raises(StoreError, match="refused"):
            own.sign_in_failed(
                COHORT, [f"learner:{B}"], NOW, 1, timedelta(days=1), timedelta(days=1)
            )
        with pytest.raises(StoreError, match="refused"):
            own.sign_in_succeeded(COHORT, f"learner:{B}")
        # a learner learns only whether they hold a code themselves, never who else does
        assert own.access_roster(COHORT) == [] and own.access_roster(COHORT, role="tutor") == []
    with _store(hub, backend, TUTOR) as tutor:
        assert tutor.verify_access(COHORT, TUTOR, code, role="tutor") is True
        assert tutor.access_roster(COHORT) == [OUTSIDER]
        assert tutor.access_roster(COHORT, role="tutor") == [TUTOR]
        assert tutor.sign_in_locked_until(COHORT, ["client:ab12"]) is not None
        with pytest.raises(StoreError, match="refused"):
            tutor.verify_access(COHORT, A, code)


def test_the_writer_process_ends_when_the_service_is_killed_outright(tmp_path):
    path = tmp_path / "progress.sqlite"
    open_store(path).close()
    script = (
        "import asyncio, sys\n"
        "from nosworkbook.hub.writer import ProcessWriter\n"
        "from nosworkbook.store import Save\n"
        "writer = ProcessWriter(sys.argv[1], sys.argv[1])\n"
        f"saves = [Save({COHORT!r}, {A!r}, {PC1!r}, rating='Competent')]\n"
        "print(asyncio.run(writer.save_many(saves))[0].rating, flush=True)\n"
        "import time; time.sleep(120)\n"
    )
    service = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert service.stdout.readline().strip() == "Competent"  # the writer is running
        writers = [
            child
            for child in psutil.Process(service.pid).children()
            if "resource_tracker" not in " ".join(child.cmdline())
        ]
        assert len(writers) == 1
        service.kill()
        service.wait()
        psutil.wait_procs(writers, timeout=10)
        assert not writers[0].is_running()
    finally:
        service.kill()
