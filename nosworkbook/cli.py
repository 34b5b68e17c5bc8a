"""The `nosworkbook` command: thin click commands, one per verb; the work is in the package."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from datetime import date, datetime
from pathlib import Path

import click

from nosworkbook import listening
from nosworkbook.catalog import Catalog, UnknownIdentifier, load, packaged_catalog_path
from nosworkbook.catalog.model import Unit, display_date
from nosworkbook.errors import NosworkbookError

EXIT_USER_ERROR = 2


class _Group(click.Group):
    """Turns the errors a user can fix into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (NosworkbookError, UnknownIdentifier) as exc:
            for line in str(exc).splitlines() or [""]:  # several problems: a line each
                click.echo(f"nosworkbook: error: {line}", err=True)
            sys.exit(EXIT_USER_ERROR)
        except OSError as exc:  # a file or folder given (or implied) that cannot be used
            click.echo(f"nosworkbook: error: {_os_problem(exc)}", err=True)
            sys.exit(EXIT_USER_ERROR)


def _os_problem(exc: OSError) -> str:
    """One line for an OSError: the file it names and what the system said."""
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return reason
    where = str(exc.filename)
    if exc.filename2 is not None:
        where += f" -> {exc.filename2}"
    return f"{where}: {reason}"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nosworkbook")
def main() -> None:
    """Interactive workbooks for the Customer Service National Occupational Standards."""


def _unit_summary(unit: Unit) -> dict:
    return {
        "urn": unit.urn,
        "title": unit.title,
        "competence_area": unit.competence_area,
        "performance_criteria": len(unit.performance),
        "knowledge_items": len(unit.knowledge),
        "original_urns": list(unit.original_urns),
        "indicative_review_date": unit.indicative_review_date,
    }


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def units(as_json: bool) -> None:
    """List every unit with its criteria counts."""
    catalog = load()
    if as_json:
        click.echo(json.dumps([_unit_summary(u) for u in catalog], indent=1))
        return
    width = max(len(u.title) for u in catalog)
    click.echo(f"{'URN':<9} {'Title':<{width}} {'PC':>3} {'KU':>3}  Competence area")
    for unit in catalog:
        click.echo(
            f"{unit.urn:<9} {unit.title:<{width}} {len(unit.performance):>3} "
            f"{len(unit.knowledge):>3}  {unit.competence_area}"
        )
    pcs = sum(len(u.performance) for u in catalog)
    kus = sum(len(u.knowledge) for u in catalog)
    click.echo(f"{len(catalog)} units, {pcs} performance criteria, {kus} knowledge items")


def _wrap(text: str, indent: str, first: str = "") -> str:
    return textwrap.fill(
        text, width=100, initial_indent=indent + first, subsequent_indent=indent + " " * len(first)
    )


@main.command()
@click.argument("urn")
def show(urn: str) -> None:
    """Show one unit in full, for example: nosworkbook show INSCS027."""
    unit = load()[urn.upper()]
    overdue = " (past)" if unit.review_overdue() else ""
    lines = [
        f"{unit.urn}  {unit.title}",
        f"Competence area: {unit.competence_area}",
        f"Original URNs: {', '.join(unit.original_urns)}",
        f"Version {unit.version}, approved {display_date(unit.date_approved)}, "
        f"indicative review date {display_date(unit.indicative_review_date)}{overdue}",
        f"Validity: {unit.validity}; status: {unit.status}; developed by {unit.developed_by}; "
        f"originating organisation {unit.originating_organisation}",
        f"Suite: {unit.suite}; relevant occupations: {', '.join(unit.relevant_occupations)}",
        _wrap("Keywords: " + "; ".join(unit.keywords), ""),
        "",
        "Overview",
    ]
    lines += [_wrap(p, "  ") + "\n" for p in unit.overview.split("\n\n")]
    for heading, items in (
        ("You must be able to:", unit.performance),
        ("You need to know and understand:", unit.knowledge),
    ):
        lines.append(heading)
        lines += [_wrap(c.text, "  ", f"{c.short_id:<6}") for c in items]
        lines.append("")
    click.echo("\n".join(lines).rstrip())


@main.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--unit", "unit_urn", help="Only search this unit, for example INSCS027.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def search(words: tuple[str, ...], unit_urn: str | None, as_json: bool) -> None:
    """Find the criteria that mention all of WORDS (word beginnings, any case)."""
    catalog = load()
    pool = catalog[unit_urn.upper()].criteria if unit_urn else tuple(catalog.criteria())
    patterns = [re.compile(rf"\b{re.escape(w)}", re.IGNORECASE) for w in words]
    hits = [c for c in pool if all(p.search(c.text) for p in patterns)]
    if as_json:
        click.echo(json.dumps([c.model_dump() for c in hits], indent=1))
        return
    for criterion in hits:
        click.echo(_wrap(criterion.text, "", f"{criterion.id:<15}"))
    phrase = " ".join(words)
    noun = "criterion mentions" if len(hits) == 1 else "criteria mention"
    click.echo(f"{len(hits) or 'No'} {noun} {phrase!r}")


@main.command()
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option("--port", type=int, default=8866, show_default=True)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (localhost)."
)
@click.option(
    "--cohort",
    "cohort_file",
    type=click.Path(path_type=Path),
    help="Serve this cohort's build (build/<slug>/), building it first if needed.",
)
@click.option(
    "--units", default="", help="Units to keep kernels ready for: INSCS027,INSCS028 or a range."
)
@click.option(
    "--pool",
    type=int,
    default=2,
    show_default=True,
    help="Kernels kept ready for the index and each of --units (0: none).",
)
@click.option(
    "--cull-after",
    type=int,
    default=900,
    show_default=True,
    help="Seconds before a kernel with no open page is shut down (0: never).",
)
@click.option(
    "--max-kernels",
    type=int,
    default=40,
    show_default=True,
    help="Most kernels at once, ready ones included; more learners see a 'busy' page.",
)
@click.option(
    "--index-pool",
    type=int,
    default=None,
    help="Kernels kept ready for the index (default 2, or --pool if smaller).",
)
@click.option(
    "--connect-within",
    type=int,
    default=None,
    help="Seconds a page has to connect to its kernel before the kernel is shut down "
    "(default 60; 0: never).",
)
@click.option(
    "--token",
    help="Token learners need beyond localhost (default: a new one, printed once).",
)
def serve(
    path: Path | None,
    port: int,
    host: str,
    cohort_file: Path | None,
    units: str,
    pool: int,
    cull_after: int,
    max_kernels: int,
    connect_within: int | None,
    index_pool: int | None,
    token: str | None,
) -> None:
    """Serve the workbooks in PATH (default ./workbooks), or a cohort's, with Voila."""
    import os

    from nosworkbook.classroom import server as serving

    if path is not None and cohort_file is not None:
        raise NosworkbookError("give PATH or --cohort, not both")
    chosen_units = serving.parse_units(units)
    token = serving.choose_token(host, token)
    options = dict(
        port=port,
        host=host,
        units=chosen_units,
        pool=pool,
        cull_after=cull_after,
        max_kernels=max_kernels,
        connect_within=connect_within,
        index_pool=index_pool,
        token=token,
    )
    serving.check_options(**{k: v for k, v in options.items() if k != "token"})
    folder = path if path is not None else Path("workbooks")
    if cohort_file is not None:
        summary = serving.build_cohort(cohort_file)
        click.echo(summary.text(), err=True)
        folder = summary.folder
    command = serving.voila_command(folder, **options)
    serving.check_folder(folder)
    listening.check_address(host, port)
    env = serving.voila_environment(token)
    click.echo(
        f"Serving {folder} at {serving.address(host, port, token)} (press Ctrl+C to stop)",
        err=True,
    )
    if (folder / "tutor.ipynb").is_file():
        dashboard = serving.address(host, port, token, serving.DASHBOARD_PAGE)
        click.echo(
            f"Tutors: the dashboard is at {dashboard} (sign in with a tutor's code)", err=True
        )
    sys.stderr.flush()
    sys.stdout.flush()
    os.execve(command[0], command, env)


@main.command(name="hub")
@click.argument("cohort_file", type=click.Path(path_type=Path))
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--store",
    "store_location",
    metavar="URL",
    help="The store with the cohort's access codes and answers "
    "(default: $NOSWORKBOOK_STORE, else the user data folder).",
)
@click.option(
    "--state",
    type=click.Path(file_okay=False, path_type=Path),
    help="The hub's own folder: its database, cookie secret and learners' working folders "
    "(default: <user data folder>/hub/<slug>).",
)
@click.option(
    "--build",
    "build_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Where nosworkbook build put the cohort (BUILD/<slug>/).",
)
@click.option(
    "--profile",
    type=click.Choice(["voila", "lab"]),
    default="voila",
    show_default=True,
    help="What each learner gets: the workbooks as Voila apps, or JupyterLab.",
)
@click.option(
    "--cull-after",
    type=int,
    default=3600,
    show_default=True,
    help="Stop a learner's server after this many idle seconds (0: never).",
)
@click.option(
    "--max-servers",
    type=int,
    default=40,
    show_default=True,
    help="Most learners' servers running at once (0: no cap).",
)
@click.option(
    "--ready",
    is_flag=True,
    help="Start every learner's server as the hub starts, each with a kernel ready for the "
    "index, so a class signing in together finds them running (idle ones are still culled).",
)
@click.option(
    "--ready-unit",
    "ready_units",
    multiple=True,
    metavar="URN",
    help="With --ready (which it implies): each learner's server also keeps a kernel ready "
    "for this unit, the lesson's (may be given more than once).",
)
def hub(
    cohort_file: Path,
    port: int,
    host: str,
    store_location: str | None,
    state: Path | None,
    build_dir: Path,
    profile: str,
    cull_after: int,
    max_servers: int,
    ready: bool,
    ready_units: tuple[str, ...],
) -> None:
    """Run a JupyterHub for a built cohort: learners and tutors sign in with their access codes."""
    import os

    from nosworkbook.hub import launch

    settings = launch.prepare(
        cohort_file,
        build_dir=build_dir,
        state=state,
        store=store_location,
        host=host,
        port=port,
        profile=profile,
        cull_after=cull_after,
        max_servers=max_servers,
        ready=ready,
        ready_units=ready_units,
    )
    listening.check_address(settings.host, settings.port)
    command, env = launch.hub_command(settings)
    click.echo(
        f"Hub for {cohort_file} at {launch.address(settings)} (state in {settings.state}; "
        "press Ctrl+C to stop)",
        err=True,
    )
    sys.stderr.flush()
    sys.stdout.flush()
    os.chdir(settings.state)
    os.execve(command[0], command, env)


@main.command(name="build")
@click.argument("cohort_file", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Folder for builds; each cohort gets OUT/<slug>/.",
)
@click.option(
    "--jobs", type=click.IntRange(min=1), help="Notebooks to run at once (default: cores)."
)
@click.option("--force", is_flag=True, help="Rebuild every unit, even if nothing changed.")
def build_(cohort_file: Path, out: Path, jobs: int | None, force: bool) -> None:
    """Build a cohort's own executed workbooks with Papermill."""
    from nosworkbook.cohorts.build import build

    summary = build(cohort_file, out=out, jobs=jobs, force=force)
    click.echo(summary.text())
    if summary.failed:
        sys.exit(1)


@main.group()
def cohort() -> None:
    """Cohort files: start one, check one, or issue access codes to its learners and tutors."""


@cohort.command(name="init")
@click.argument(
    "path", type=click.Path(dir_okay=False, path_type=Path), default=Path("cohort.yaml")
)
def cohort_init(path: Path) -> None:
    """Write an example cohort file to PATH (default cohort.yaml) to start from."""
    from nosworkbook.cohorts import example_path

    if path.exists():
        raise NosworkbookError(f"{path}: already exists; choose another name or remove it first")
    path.write_text(example_path().read_text(encoding="utf-8"), encoding="utf-8")
    click.echo(f"Wrote {path}: edit it, then run nosworkbook build {path}")


@cohort.command(name="check")
@click.argument("path", type=click.Path(path_type=Path))
def cohort_check(path: Path) -> None:
    """Check a cohort file without building anything."""
    from nosworkbook.cohorts import load_cohort

    found = load_cohort(path)
    click.echo(
        f"{path}: {found.name} ({found.slug}): {len(found.units)} units, "
        f"{len(found.learners)} learners, {found.sector}, {found.edition} edition"
        + (f", {len(found.tutors)} tutor(s)" if found.tutors else "")
    )


@cohort.command(name="codes")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--reissue",
    "reissue",
    multiple=True,
    metavar="ID",
    help="Give this learner or tutor a new code (the old one stops working); may be repeated.",
)
@click.option(
    "--store",
    "store_location",
    metavar="URL",
    help="The store the workbooks use: a file or SQLAlchemy URL "
    "(default: $NOSWORKBOOK_STORE, else the user data folder).",
)
def cohort_codes(path: Path, reissue: tuple[str, ...], store_location: str | None) -> None:
    """Issue access codes for a cohort's roster and tutors (classroom mode); print them once.

    Every learner and tutor without a code gets one; only its hash is stored. Once a cohort
    has codes, its workbooks ask each learner for their code when they sign in, and the
    tutor's view will ask its tutors for theirs. A cohort without tutors prints as before.
    """
    from nosworkbook.classroom.access import issue_codes
    from nosworkbook.cohorts import load_cohort
    from nosworkbook.store import open_store

    found = load_cohort(path)
    if not found.learners and not found.tutors:
        raise NosworkbookError(
            f"{path}: has no roster; add learners (id and name) before issuing access codes"
        )
    tutors = {tutor.id: tutor.name for tutor in found.tutors}
    names = {**{learner.id: learner.name for learner in found.learners}, **tutors}
    unknown = [learner for learner in reissue if learner not in names]
    if unknown:
        raise NosworkbookError(
            f"{path}: cannot reissue a code for {', '.join(map(repr, unknown))}: "
            "not on the cohort's roster" + (" nor one of its tutors" if tutors else "")
        )
    with open_store(store_location) as store:
        learners = [learner.id for learner in found.learners]
        result = issue_codes(store, found.slug, learners, [x for x in reissue if x not in tutors])
        for_tutors = issue_codes(
            store, found.slug, list(tutors), [x for x in reissue if x in tutors], role="tutor"
        )
        result.codes.update(for_tutors.codes)
        result.kept.extend(for_tutors.kept)
        result.withdrawn.extend(for_tutors.withdrawn)
        where = store.location
    click.echo(f"Cohort {found.slug} ({found.name}); store {where}")
    # A cohort with tutors gets a Role column; one without prints exactly as it always has.
    id_head = "Id" if tutors else "Learner id"
    if result.codes:
        id_width = max(len(id_head), *(len(x) for x in result.codes))
        name_width = max(len("Name"), *(len(names[x]) for x in result.codes))
        role = "  Role   " if tutors else ""
        click.echo(f"{id_head:<{id_width}}  {'Name':<{name_width}}{role}  Code")
        for person, code in result.codes.items():
            role = ("  Tutor  " if person in tutors else "  Learner") if tutors else ""
            click.echo(f"{person:<{id_width}}  {names[person]:<{name_width}}{role}  {code}")
        whom = "learner and tutor" if tutors else "learner"
        click.echo(
            f"{len(result.codes)} new code(s). Give each {whom} their own, privately: "
            "they are not stored and cannot be shown again."
        )
    else:
        click.echo("No new codes.")
    if result.kept:
        kept_tutors = sum(person in tutors for person in result.kept)
        kept_learners = len(result.kept) - kept_tutors
        who = " and ".join(
            f"{count} {noun}(s)"
            for count, noun in ((kept_learners, "learner"), (kept_tutors, "tutor"))
            if count
        )
        click.echo(
            f"{who} already have a code, which cannot be shown again: "
            f"{', '.join(result.kept)}. For a new one: nosworkbook cohort codes {path} "
            f"--reissue {'ID' if tutors else 'LEARNER'}"
        )
    if result.withdrawn:
        gone = (
            "id(s) no longer among the cohort's learners or tutors"
            if tutors
            else "learner(s) no longer on the roster"
        )
        click.echo(
            f"Withdrew the code(s) of {len(result.withdrawn)} {gone}: {', '.join(result.withdrawn)}"
        )


_STORE_OPTION = click.option(
    "--store",
    "store_location",
    metavar="URL",
    help="The store the workbooks use: a file or SQLAlchemy URL "
    "(default: $NOSWORKBOOK_STORE, else the user data folder).",
)


@main.group(name="store")
def store_() -> None:
    """The learners' progress store: check that it is sound, or back it up."""


@store_.command(name="check")
@_STORE_OPTION
def store_check(store_location: str | None) -> None:
    """Run SQLite's full integrity check on the store; say OK, or what is wrong (exit 1)."""
    from nosworkbook.store import resolve_location
    from nosworkbook.store.database import check_store
    from nosworkbook.store.location import describe

    where = describe(resolve_location(store_location))
    problems = check_store(store_location)
    if problems:
        for problem in problems:
            click.echo(f"{where}: {problem}", err=True)
        click.echo(
            f"{where}: is damaged. Stop the workbook server, keep a copy of this file, and put "
            "back your latest backup (see nosworkbook store backup).",
            err=True,
        )
        sys.exit(1)
    click.echo(f"OK: {where} is sound")


@store_.command(name="backup")
@click.argument("dest", type=click.Path(path_type=Path))
@_STORE_OPTION
def store_backup(dest: Path, store_location: str | None) -> None:
    """Copy the store to the file DEST, whole and consistent, while the workbooks keep running.

    DEST is replaced only once the copy is complete and checked. SQLite stores only: back up
    a PostgreSQL store with pg_dump.
    """
    from nosworkbook.store import open_store

    with open_store(store_location) as store:
        written = store.backup(dest)
        where = store.location
    click.echo(f"Backed up {where} to {written}")


def _named(value: str, grammar: bool) -> str:
    """An id as typed, for a message: bare when it follows its grammar, else quoted (so a
    newline or a broken character cannot spill out of its one line)."""
    return value if grammar else repr(value)


def _signoff_criteria(
    typed: tuple[str, ...], units: tuple[str, ...], catalog: Catalog
) -> tuple[list[str], list[str]]:
    """The criterion ids `typed` names (in any case, each once), and what is wrong with any."""
    from nosworkbook import ids

    chosen: list[str] = []
    problems: list[str] = []
    for text in typed:
        cid = text.strip().upper()
        if not ids.is_criterion(cid):
            problems.append(f"{text!r} is not a criterion id, such as INSCS027.PC10")
        elif ids.unit_of(cid) not in units:
            problems.append(f"{cid} is not in the cohort's units")
        else:
            try:
                catalog.criterion(cid)
            except UnknownIdentifier:
                parsed = ids.parse_criterion(cid)
                unit = catalog[parsed.urn]
                count, noun = (
                    (len(unit.performance), "performance criteria")
                    if parsed.kind == "performance"
                    else (len(unit.knowledge), "knowledge items")
                )
                problems.append(f"{cid} does not exist: {unit.urn} has {count} {noun}")
            else:
                if cid not in chosen:
                    chosen.append(cid)
    return chosen, problems


@main.command(name="signoff")
@click.option(
    "--cohort",
    "cohort_file",
    type=click.Path(path_type=Path),
    required=True,
    help="The cohort file that names its tutors, its roster and its units.",
)
@click.option("--tutor", required=True, metavar="ID", help="Your id among the cohort's tutors.")
@click.option(
    "--return",
    "feedback",
    metavar="FEEDBACK",
    help="Return the criteria to the learner with this feedback instead of signing them off.",
)
@_STORE_OPTION
@click.argument("learner")
@click.argument("criteria", nargs=-1, required=True, metavar="CRITERION...")
def signoff(
    cohort_file: Path,
    tutor: str,
    feedback: str | None,
    store_location: str | None,
    learner: str,
    criteria: tuple[str, ...],
) -> None:
    """As a tutor, sign off LEARNER's criteria (such as INSCS027.PC10), or return them.

    Each is recorded, with the tutor and the time, in the store's sign-off log, which keeps
    every earlier entry. Nothing is recorded unless the tutor, the learner and every
    criterion are the cohort's.
    """
    from nosworkbook import ids
    from nosworkbook.cohorts import load_cohort
    from nosworkbook.store import open_store, validate

    found = load_cohort(cohort_file)
    problems = []
    if found.tutor(tutor) is None:
        problems.append(f"{_named(tutor, ids.is_learner(tutor))} is not one of the cohort's tutors")
    if learner not in {person.id for person in found.learners}:
        none = "" if found.learners else " (it has no roster)"
        who = _named(learner, ids.is_learner(learner))
        problems.append(f"{who} is not on the cohort's roster{none}")
    chosen, wrong = _signoff_criteria(criteria, found.units, load())
    lines = [f"{cohort_file}: {problem}" for problem in problems + wrong]
    if feedback is not None:
        try:
            validate.feedback(feedback, required=True)
        except ValueError as err:
            lines.append(f"--return: {err}")
    if lines:
        raise NosworkbookError("\n".join(lines))
    with open_store(store_location) as store:
        for cid in chosen:
            try:
                store.sign_off(
                    found.slug,
                    learner,
                    cid,
                    tutor=tutor,
                    feedback=feedback or "",
                    returned=feedback is not None,
                )
            except ValueError as err:
                raise NosworkbookError(f"{cid}: {err}") from None
            if feedback is None:
                click.echo(f"Signed off {cid} for {learner}")
            else:
                click.echo(f"Returned {cid} to {learner} with feedback")


_REPORT_COHORT = click.option(
    "--cohort",
    "cohort_file",
    type=click.Path(path_type=Path),
    required=True,
    help="The cohort file: its units, roster and rating scale.",
)
_REPORT_OUT = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file, replaced only once complete (default: standard output).",
)


def _write_out(text: str | bytes, out: Path | None, what: str) -> None:
    """All of `text` to OUT atomically, so a failure leaves no half-written file; else stdout."""
    if out is None:
        click.echo(text, nl=False)
        return
    from nosworkbook.files import write_bytes_atomic, write_text_atomic

    try:
        if isinstance(text, bytes):
            write_bytes_atomic(out, text)
        else:
            write_text_atomic(out, text)
    except OSError as err:
        raise NosworkbookError(f"{out}: cannot be written ({err.strerror or err})") from None
    click.echo(f"Wrote {out}: {what}")


@main.command(name="report")
@click.argument("learner", required=False)
@_REPORT_COHORT
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "csv", "pdf"]),
    default="html",
    show_default=True,
    help="html: a page to read or print; pdf: the portfolio on A4 (give --out, or pipe it); "
    "csv: one row per criterion, for a spreadsheet.",
)
@_REPORT_OUT
@_STORE_OPTION
def report(
    learner: str | None,
    cohort_file: Path,
    fmt: str,
    out: Path | None,
    store_location: str | None,
) -> None:
    """LEARNER's portfolio: every criterion of the cohort's units, in catalog order.

    Each has the learner's rating, evidence note and when it last changed, the exercises
    that evidence it with the score stored when the learner last checked each, and its
    sign-off (signed off, returned with feedback, or not yet; who, when, and whether it has
    changed since). The html page starts with a summary; --format pdf is the portfolio on
    A4, with the learner, the cohort and the page number in each page's footer. Without
    LEARNER, --format csv gives the whole cohort: one row per learner on the roster and
    criterion.
    """
    from nosworkbook.cohorts import load_cohort
    from nosworkbook.portfolio import collect, to_csv, to_html, to_pdf

    found = load_cohort(cohort_file)
    if learner is None and fmt != "csv":
        raise NosworkbookError(
            "a report on the whole cohort is CSV only: add --format csv, or name a LEARNER"
        )
    if fmt == "pdf" and out is None and _stdout_is_terminal():
        raise NosworkbookError("give --out FILE for a PDF: it would only garble the terminal")
    text: str | bytes
    with collect.open_existing(store_location) as store:
        if learner is None:
            portfolios = collect.cohort_portfolios(store, found)
            text = to_csv(portfolios)
            what = f"{len(portfolios)} learner(s) of {found.slug}"
        else:
            collect.check_learner(store, found, learner, cohort_file)
            portfolio = collect.portfolio(store, found, learner)
            what = f"{learner}'s portfolio in {found.slug}"
    if learner is not None:
        if fmt == "pdf":
            text = to_pdf(portfolio)
        else:
            text = to_csv([portfolio]) if fmt == "csv" else to_html(portfolio)
    _write_out(text, out, what)


def _stdout_is_terminal() -> bool:
    """Whether standard output is a terminal (a PDF there would only garble the screen)."""
    return sys.stdout.isatty()


@main.group(name="learner")
def learner_() -> None:
    """What is held about a learner: export their records (right of access), or erase them
    (right to erasure)."""


@learner_.command(name="export")
@click.argument("learner")
@_REPORT_COHORT
@_REPORT_OUT
@_STORE_OPTION
def learner_export(
    learner: str, cohort_file: Path, out: Path | None, store_location: str | None
) -> None:
    """Everything the store holds about LEARNER in the cohort, as JSON (UK GDPR right of
    access). Times are ISO 8601 in UTC; scores are 0 to 1, as stored.

    \b
    One JSON object:
      format, version       "nosworkbook learner export", 1
      exported_at           when the export was made
      cohort                {slug, name}
      learner               {id, name}: the name as the roster gives it
      access_code_held      true or false (the code's hash is never exported)
      sign_in_locked_until  when a lock-out after wrong access codes ends, or null
      report                the report's rows: {unit, criterion, short_id, text, rating,
                            evidence, changed_at, exercises: [{exercise, title, score,
                            percent, attempted_at}], sign_off: {status, tutor, feedback,
                            at, changed_since}}
      ratings               every current rating and note: {criterion, rating, evidence,
                            changed_at}, units the cohort no longer has included
      history               every saved version, oldest first: {criterion, rating,
                            evidence, changed_at}
      attempts              every exercise attempt kept, oldest first: {exercise, answer,
                            score, attempted_at}
      sign_offs             the sign-off log: {criterion, tutor, action ("signed off" or
                            "returned"), feedback, at}

    Counts of wrong access codes, kept at most a day to slow guessing, are not listed.
    """
    from nosworkbook.cohorts import load_cohort
    from nosworkbook.portfolio import collect, to_json

    found = load_cohort(cohort_file)
    with collect.open_existing(store_location) as store:
        collect.check_learner(store, found, learner, cohort_file)
        text = to_json(collect.learner_export(store, found, learner))
    _write_out(text, out, f"everything held about {learner} in {found.slug}")


def _listed(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _several(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _erasable(
    ratings: int, history: int, attempts: int, access_code: bool, failures: int = 0
) -> list[str]:
    """What an erasure removes, in words, for the summary and the question before it."""
    parts = []
    if ratings:
        parts.append(f"ratings and evidence notes on {_several(ratings, 'criterion', 'criteria')}")
    if history:
        parts.append(_several(history, "saved version", "saved versions"))
    if attempts:
        parts.append(_several(attempts, "exercise attempt", "exercise attempts"))
    if access_code:
        parts.append("their access code")
    if failures:
        parts.append("the count of their wrong access codes")
    return parts


def _kept(learner: str, count: int) -> str:
    """The sign-off entries an erasure keeps, and why."""
    return (
        f"{_several(count, 'sign-off entry', 'sign-off entries')}, with {learner}'s id replaced "
        "by a pseudonym and the feedback removed, as the record of what a tutor decided and "
        "when, which the provider may need to keep as evidence (for a funding audit, say)."
    )


@learner_.command(name="erase")
@click.argument("learner")
@_REPORT_COHORT
@_STORE_OPTION
@click.option("--yes", is_flag=True, help="Erase without asking first (for scripts).")
def learner_erase(learner: str, cohort_file: Path, store_location: str | None, yes: bool) -> None:
    """Erase everything the store holds about LEARNER in the cohort (UK GDPR right to
    erasure), after you type their id to confirm; with --yes, without asking.

    Their ratings and evidence notes, every saved version, every exercise attempt, their
    access code and any count of wrong access codes go, in one transaction. Their sign-off
    entries stay, as the record of what a tutor decided and when, with their id replaced by
    a pseudonym and the feedback emptied. The store records that an erasure was done, and
    what it removed, without their id. The cohort file is never changed: take the learner off
    its roster yourself. Backups made earlier still hold their records.
    """
    from nosworkbook import ids
    from nosworkbook.cohorts import load_cohort
    from nosworkbook.portfolio import collect

    found = load_cohort(cohort_file)
    slug = found.slug
    on_roster = learner in {person.id for person in found.learners}
    with collect.open_existing(store_location) as store:
        removes: list[str] = []
        keeps = 0
        if ids.is_learner(learner):  # else the store holds nothing for them
            removes = _erasable(
                len(store.load(slug, learner)),
                len(store.history(slug, learner)),
                len(store.attempts(slug, learner)),
                learner in store.access_roster(slug),
            )
            keeps = len(store.sign_off_log(slug, learner))
        if not on_roster and not removes and not keeps:
            where = "is not on the cohort's roster" if found.learners else "has no roster"
            raise NosworkbookError(
                f"{cohort_file}: learner {learner!r} {where}, and the store holds nothing "
                f"for them in cohort {slug}"
            )
        if (removes or keeps) and not yes:
            _confirm_erasure(learner, slug, store.location, removes, keeps)
        erased = store.erase_learner(slug, learner)
        on_sqlite = store.url.get_backend_name() == "sqlite"
    gone = _erasable(
        erased.ratings,
        erased.history,
        erased.attempts,
        erased.access_code,
        erased.sign_in_failures,
    )
    if not erased.anything:
        click.echo(f"Nothing is held about {learner} in {slug}; nothing was changed.")
    if gone:
        click.echo(f"Erased {learner}'s records in {slug}: {_listed(gone)}.")
    if erased.sign_offs:
        click.echo(f"Kept {_kept(learner, erased.sign_offs)}")
    if erased.anything:
        click.echo(f"The store records that this erasure was done, without {learner}'s id.")
        click.echo(f"Backups of the store made before now still hold {learner}'s records.")
        if not on_sqlite:
            click.echo(
                "PostgreSQL keeps old copies of deleted rows until it vacuums the tables: ask "
                "whoever runs the database to run VACUUM on them."
            )
    if on_sqlite and not erased.compacted:
        click.echo(
            "The store's file could not be compacted just now, so it may still hold copies of "
            "deleted rows: run this command again when the workbooks are not in use."
        )
    if on_roster:
        click.echo(
            f"Now take {learner} off the roster in {cohort_file}: nosworkbook never edits it, "
            "and while they are on it they can be given a new access code."
        )


def _confirm_erasure(learner: str, slug: str, where: str, removes: list[str], keeps: int) -> None:
    """Say what an erasure removes and keeps, and go on only if the tutor types the learner's
    id: a y that was meant for another question must not erase anyone. Else exit 1."""
    click.echo(f"This erases what is held about {learner} in {slug} ({where}).")
    if removes:
        click.echo(f"It removes {_listed(removes)}.")
    if keeps:
        click.echo(f"It keeps {_kept(learner, keeps)}")
    try:
        typed = click.prompt(
            f"Type {learner} to erase, or press Enter to cancel", default="", show_default=False
        )
    except click.Abort:  # end of input, or Ctrl-C
        click.echo()
        typed = ""
    if typed.strip() != learner:
        click.echo("Nothing was erased.", err=True)
        sys.exit(1)


@main.command(name="generate")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("workbooks"),
    show_default=True,
    help="Folder for the notebooks.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 naming each stale workbook.")
def generate_(out: Path, check: bool) -> None:
    """Write one workbook per unit, and an index, from the catalog."""
    from tqdm import tqdm

    from nosworkbook.generate import generate, stale

    catalog = load()
    if check:
        problems = stale(out, catalog)
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            click.echo(
                f"{len(problems)} workbook(s) out of date: run nosworkbook generate", err=True
            )
            sys.exit(1)
        click.echo(f"All {len(catalog) + 1} workbooks in {out} are up to date")
        return
    with tqdm(total=len(catalog) + 1, desc="Generating workbooks", unit="notebook") as bar:
        written = generate(out, catalog, progress=lambda _name: bar.update())
    click.echo(f"Wrote {len(written)} of {len(catalog) + 1} workbooks in {out}")


@main.command(name="import")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Catalog JSON to write (default: the packaged catalog).",
)
@click.option("--report", is_flag=True, help="Print the data-quality report.")
@click.option("--urn", help="URN for a single-standard export, if its Original URN is unknown.")
@click.option("--title", help="Title for a single-standard export (exports carry none).")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Judge review dates as of this day (default: today).",
)
def import_(
    sources: tuple[Path, ...],
    out: Path | None,
    report: bool,
    urn: str | None,
    title: str | None,
    as_of: datetime | None,
) -> None:
    """Import standards from SOURCES into the catalog (default: the packaged suite).

    SOURCES may be the whole suite converted to markdown and single standards exported from
    the NOS site. Nothing is written unless every source imports without error.
    """
    from nosworkbook.catalog import packaged_sources
    from nosworkbook.catalog.importer import import_sources, write_catalog
    from nosworkbook.catalog.report import findings, render

    out = out or packaged_catalog_path()
    base = load(out) if out.exists() else load()
    result = import_sources(list(sources) or packaged_sources(), base=base, urn=urn, title=title)
    try:
        write_catalog(result.catalog, out)
    except OSError as exc:
        raise NosworkbookError(f"{out}: cannot write the catalog ({exc.strerror})") from None
    catalog: Catalog = result.catalog
    pcs = sum(len(u.performance) for u in catalog)
    kus = sum(len(u.knowledge) for u in catalog)
    click.echo(
        f"Wrote {out}: {len(catalog)} units, {pcs} performance criteria, {kus} knowledge items",
        err=report,
    )
    if report:
        today = as_of.date() if as_of else date.today()
        click.echo(render(catalog, findings(catalog, result.notes, today), today))
