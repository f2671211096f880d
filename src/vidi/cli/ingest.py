"""``vidi ingest``, ``vidi report``, ``vidi hash``, ``vidi status``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vidi.cli.common import console, errors, friendly_errors, print_json, workbench
from vidi.cli.display import styled

if TYPE_CHECKING:
    from vidi.estimates import PlacesSection
    from vidi.matching.links import LinksSection, MediaLink
    from vidi.matching.review import KnownSection
    from vidi.report import CaseReport
    from vidi.results import IngestOutcome

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
    features: bool = typer.Option(
        True,
        "--features/--no-features",
        help="Index local features (object search, same-scene links) afterwards.",
    ),
    distributed: bool = typer.Option(
        False, "--distributed", help="Send chunks to 'vidi worker' processes (Celery, Redis)."
    ),
    wait: bool = typer.Option(
        True, "--wait/--no-wait", help="With --distributed: wait and show progress."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Ingest a seizure: hash every file, store unique media, match, extract clues."""
    from vidi.cli.progress import CountProgress, RichProgress

    show = not (quiet or as_json)
    if distributed:
        with friendly_errors():
            sent = workbench(ctx).ingest_distributed(
                case,
                paths,
                wait=wait,
                clues=clues,
                progress=RichProgress() if show else None,
                clue_progress=CountProgress("clues") if show else None,
            )
        if as_json:
            print_json(sent.to_dict())
        elif sent.outcome is None:
            console.print(
                f"job {sent.job.id}: {sent.job.chunks} chunks sent to the workers; "
                "'vidi jobs' shows progress, the same command again waits and finishes it"
            )
        else:
            console.print(f"job {sent.job.id}: {sent.job.chunks} chunks, all done")
            render_ingest(sent.outcome)
        return
    with friendly_errors():
        outcome = workbench(ctx).ingest(
            case,
            paths,
            clues=clues,
            features=features,
            workers=workers,
            progress=RichProgress() if show else None,
            clue_progress=CountProgress("clues") if show else None,
            feature_progress=CountProgress("features") if show else None,
        )
    if as_json:
        print_json(outcome.to_dict())
        return
    render_ingest(outcome)


def render_ingest(outcome: IngestOutcome) -> None:
    summary, extraction = outcome.ingest, outcome.clues
    console.print(
        f"run {summary.run_id}: {summary.files_seen} files ({summary.bytes_seen:,} bytes), "
        f"{summary.media_new} media new to Vidi's database, {summary.media_known} already in it, "
        f"{summary.files_skipped} already ingested, {summary.errors} failed, "
        f"{summary.elapsed_s:.1f} s"
    )
    if summary.atime_fallbacks:
        console.print(ATIME_NOTE.format(summary.atime_fallbacks))
    indexed = outcome.features
    if indexed is not None:
        console.print(
            f"features: {indexed.pictures} pictures indexed for object search, "
            f"{indexed.scene_links} same-scene links, {indexed.object_clues} gallery clues"
            f"{f' ({indexed.failed} failed)' if indexed.failed else ''}"
        )
    if extraction is not None:
        console.print(
            f"clues: {extraction.clues} from {extraction.media} media "
            f"({extraction.failed} failed extractions)"
        )


SERIES_SHOWN = 10
"""Series listed in the human report; ``--json`` has every one the report holds."""


def render_places(places: PlacesSection) -> None:
    """Each series' own country first, then how far they agree, then the fused ranking.

    A case mixes series from many places, so the fused ranking is never shown alone.
    """
    console.print(styled(("likely countries", "bold"), ": ", places.estimate.note))
    for series in places.series[:SERIES_SHOWN]:
        if series.informative and series.country is not None:
            where = f"{series.country} {series.probability or 0:.0%}"
        else:
            where = "not placed (no informative clue)"
        console.print(f"  series {series.series}: {series.media} media, {where}")
    if len(places.series) > SERIES_SHOWN:
        console.print(f"  … {len(places.series) - SERIES_SHOWN} more series (see --json)")
    agreement = series_agreement(places)
    console.print(styled(("  series agreement", "bold"), ": ", agreement), soft_wrap=True)
    console.print("  fused over every media item of the case:")
    for rank, score in enumerate(places.estimate.ranked[: places.top], 1):
        console.print(f"  {rank}. {score.name} ({score.country}) {score.probability:.0%}")
        for reason in sorted(score.reasons, key=lambda r: -r.delta)[:3]:
            console.print(f"       {reason.label}")
    if places.media_waiting_for_clues:
        console.print(
            f"  {places.media_waiting_for_clues} media still wait for clue extraction "
            "(OCR is the slow part); 'vidi extract --case …' resumes it"
        )


def series_agreement(places: PlacesSection) -> str:
    """How much the case's series disagree, in words, for the line above the fused ranking."""
    agreement = places.disagreement
    placed = agreement.series_placed
    if placed == 0:
        return (
            "no series is placed on its own, so the ranking below mixes clues "
            "that may come from different places"
        )
    countries = ", ".join(f"{c} {n}" for c, n in agreement.countries.items())
    if len(agreement.countries) == 1:
        country = next(iter(agreement.countries))
        if placed == 1:
            return f"one series is placed ({country}); the others have no informative clue"
        return f"all {placed} placed series point to {country}"
    return (
        f"the {placed} placed series disagree (series by country: {countries}); the most "
        f"that agree are {agreement.share_agreeing or 0:.0%}, so read the fused ranking with care"
    )


def render_report(report: CaseReport) -> None:
    from rich.table import Table

    table = Table(title=f"case {report.case}", show_header=False)
    for label, value in [
        ("sources", report.sources),
        ("files seen", report.files),
        ("bytes", f"{report.bytes:,}"),
        ("unique media", report.unique_media),
        ("exact duplicate files", report.exact_duplicates),
        ("media new to Vidi's database", report.media_new),
        ("media already in Vidi's database", report.media_known),
        ("files that are not media", report.not_media),
        ("files that failed", report.failed),
    ]:
        table.add_row(label, str(value))
    for reason, count in report.failures.items():
        table.add_row(f"  failed: {reason}", str(count))
    console.print(table)
    if report.known is not None:
        render_known(report.known)
    if report.places is not None:
        render_places(report.places)
    if report.links is not None and report.links.links:
        render_links(report.links)
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


def render_links(section: LinksSection) -> None:
    from rich.table import Table

    table = Table("kind", "media", "linked media", "match", "its cases", title="video links")
    for link in section.links:
        table.add_row(
            link.kind,
            link.sha256[:16],
            link.other_sha256[:16],
            link_strength(link),
            ", ".join(link.other_cases),
        )
    console.print(table)


def link_strength(link: MediaLink) -> str:
    """ "87% of frames" (vpdq) or "similarity 0.91" (audio)."""
    if link.kind == "vpdq":
        return f"{100 - link.distance:.0f}% of frames"
    return f"similarity {1 - link.distance:.2f}"


def render_known(known: KnownSection) -> None:
    from rich.table import Table

    table = Table(title="known, near-known, new (matched against hash lists)", show_header=False)
    table.add_row("known from hash lists or earlier cases", str(known.known))
    for category, count in known.known_by_category.items():
        table.add_row(f"  {category}", str(count))
    table.add_row("  seen in earlier cases", str(known.seen_in_earlier_cases))
    table.add_row("near-duplicates of known", str(known.near_known))
    table.add_row("new (matches nothing known)", str(known.new))
    table.add_row("ignorable media", str(known.ignorable_media))
    table.add_row("ignorable other files", str(known.ignorable_files))
    table.add_row("near-duplicate groups", str(known.near_duplicate_groups))
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
        from vidi.cli.known import print_new_first

        with friendly_errors():
            items = workbench(ctx).review_order(case, limit)
        print_new_first(items, as_json)
        return
    with friendly_errors():
        result = workbench(ctx).report(case)
    if as_json:
        print_json(result.to_dict())
    else:
        render_report(result)


def hash_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Hashes, type, size and PDQ of one file, exactly as ingest stores them."""
    with friendly_errors():
        described = workbench(ctx).describe_file(file)
    if as_json:
        print_json(described.to_dict())
        return
    for key, value in described.facts:
        console.print(styled((key, "bold"), ": ", str(value)))


def status(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Where the data lives (database URL with the password hidden) and counts."""
    with friendly_errors():
        result = workbench(ctx).status()
    if as_json:
        print_json(result.to_dict())
        return
    for key in ("home", "database_url", "database", "blobs"):
        console.print(styled((key, "bold"), ": ", str(getattr(result, key))))
    for key, value in result.counts.items():
        console.print(f"  {key}: {value:,}")
    if not result.audit.ok:
        errors.print(
            f"warning: the audit trail does not verify: {result.audit.problem}; "
            "run 'vidi audit verify' for details",
            soft_wrap=True,
            markup=False,
        )


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(report)
    app.command("hash")(hash_)
    app.command()(status)
