"""``vidi ingest``, ``vidi report``, ``vidi hash``, ``vidi status``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from vidi.cases import get_case
from vidi.cli.common import console, errors, friendly_errors, print_json, state
from vidi.cli.display import styled
from vidi.cli.progress import CountProgress, RichProgress
from vidi.clues.runner import extract_clues
from vidi.ingest.describe import describe_file
from vidi.ingest.pipeline import ingest as run_ingest
from vidi.matching.importing import finish_pending_matches
from vidi.report import CaseReport, build_report
from vidi.status import status as vidi_status

ATIME_NOTE = (
    "{} evidence reads could not keep access times (O_NOATIME is refused to a user "
    "who does not own the file); run as the files' owner or root to keep them"
)


def ingest(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Folders, files or archives to ingest."),
    case: str = typer.Option(..., "--case", help="The case the sources belong to."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    workers: int | None = typer.Option(None, min=1, help="Worker processes (default: all cores)."),
    clues: bool = typer.Option(
        True, "--clues/--no-clues", help="Run the clue extractors on new media afterwards."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Ingest a seizure: hash every file, store unique media, match, extract clues."""
    st = state(ctx)
    settings = st.settings if workers is None else st.settings.with_changes(workers=workers)
    show = not (quiet or as_json)
    extraction = None
    with friendly_errors():
        finish_pending_matches(st.db, settings)  # lists a killed import left unmatched
        summary = run_ingest(st.db, settings, case, paths, RichProgress() if show else None)
        if clues and settings.extractors:
            with st.db.session() as session:
                case_id = get_case(session, case).id
            progress = CountProgress("clues") if show else None
            extraction = extract_clues(st.db, settings, case_id=case_id, progress=progress)
    if as_json:
        print_json({"ingest": summary, "clues": extraction})
        return
    console.print(
        f"run {summary.run_id}: {summary.files_seen} files ({summary.bytes_seen:,} bytes), "
        f"{summary.media_new} new media, {summary.media_known} already known, "
        f"{summary.files_skipped} already ingested, {summary.errors} failed, "
        f"{summary.elapsed_s:.1f} s"
    )
    if summary.atime_fallbacks:
        console.print(ATIME_NOTE.format(summary.atime_fallbacks))
    if extraction is not None:
        console.print(
            f"clues: {extraction.clues} from {extraction.media} media "
            f"({extraction.failed} failed extractions)"
        )


def render_places(places: dict[str, Any]) -> None:
    console.print(styled(("likely countries", "bold"), ": ", places["note"]))
    for rank, item in enumerate(places["top"], 1):
        console.print(f"  {rank}. {item['name']} ({item['country']}) {item['probability']:.0%}")
        for reason in item["reasons"]:
            console.print(f"       {reason}")
    if places["media_waiting_for_clues"]:
        console.print(
            f"  {places['media_waiting_for_clues']} media still wait for clue extraction "
            "(OCR is the slow part); 'vidi extract --case …' resumes it"
        )


def render_report(report: CaseReport) -> None:
    table = Table(title=f"case {report.case}", show_header=False)
    for label, value in [
        ("sources", report.sources),
        ("files seen", report.files),
        ("bytes", f"{report.bytes:,}"),
        ("unique media", report.unique_media),
        ("exact duplicate files", report.exact_duplicates),
        ("media new to the database", report.media_new),
        ("media known from earlier cases", report.media_known),
        ("files that are not media", report.not_media),
        ("files that failed", report.failed),
    ]:
        table.add_row(label, str(value))
    for reason, count in report.failures.items():
        table.add_row(f"  failed: {reason}", str(count))
    console.print(table)
    known = report.sections.get("known")
    if known:
        render_known(known)
    places = report.sections.get("places")
    if places:
        render_places(places)
    runs = Table(
        "run",
        "started",
        "status",
        "files",
        "skipped",
        "new media",
        "errors",
        "seconds",
        title="ingest runs",
    )
    for r in report.runs:
        runs.add_row(
            str(r.id),
            r.started_at,
            r.status,
            str(r.files_seen),
            str(r.files_skipped),
            str(r.media_new),
            str(r.errors),
            f"{r.elapsed_s:.1f}" if r.elapsed_s is not None else "",
        )
    console.print(runs)
    for r in report.runs:
        if r.failure:
            console.print(f"  run {r.id} {r.status}: {r.failure}")
        if r.atime_fallbacks:
            console.print(f"  run {r.id}: {ATIME_NOTE.format(r.atime_fallbacks)}")


def render_known(known: dict) -> None:
    table = Table(title="known, near-known, new", show_header=False)
    table.add_row("known (hash lists, earlier cases)", str(known["known"]))
    for category, count in known["known_by_category"].items():
        table.add_row(f"  {category}", str(count))
    table.add_row("  seen in earlier cases", str(known["seen_in_earlier_cases"]))
    table.add_row("near-duplicates of known", str(known["near_known"]))
    table.add_row("new", str(known["new"]))
    table.add_row("ignorable media", str(known["ignorable_media"]))
    table.add_row("ignorable other files", str(known["ignorable_files"]))
    table.add_row("near-duplicate groups", str(known["near_duplicate_groups"]))
    console.print(table)


def report(
    ctx: typer.Context,
    case: str = typer.Option(..., "--case"),
    new_first: bool = typer.Option(False, "--new-first", help="List new media in review order."),
    limit: int | None = typer.Option(None, "--limit", help="With --new-first: at most this many."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What a case holds: files, unique media, new vs known, failures, runs."""
    if new_first:
        from vidi.cli.known import print_new_first, review_order

        print_new_first(review_order(ctx, case, limit), as_json)
        return
    with friendly_errors(), state(ctx).db.session() as session:
        result = build_report(session, case)
    if as_json:
        print_json(result.as_dict())
    else:
        render_report(result)


def hash_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Hashes, type, size and PDQ of one file, exactly as ingest stores them."""
    with friendly_errors():
        described = describe_file(file, state(ctx).settings)
    if as_json:
        print_json(described)
        return
    for key, value in described.items():
        console.print(styled((key, "bold"), ": ", str(value)))


def status(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Where the data lives (database URL with the password hidden) and counts."""
    st = state(ctx)
    with friendly_errors():
        result = vidi_status(st.settings, st.db)
    if as_json:
        print_json(result)
        return
    for key in ("home", "database_url", "database", "blobs"):
        console.print(styled((key, "bold"), ": ", str(result[key])))
    for key, value in result["counts"].items():
        console.print(f"  {key}: {value:,}")
    if not result["audit"]["ok"]:
        errors.print(
            f"warning: the audit trail does not verify: {result['audit']['problem']}; "
            "run 'vidi audit verify' for details",
            soft_wrap=True,
            markup=False,
        )


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(report)
    app.command("hash")(hash_)
    app.command()(status)
