"""``vidi clues``, ``vidi clue add``, ``vidi extract``, ``vidi place``, ``vidi search``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vidi.cli.common import console, friendly_errors, print_json, workbench
from vidi.cli.display import styled
from vidi.errors import VidiError

if TYPE_CHECKING:
    from vidi.places.fusion import Estimate

clue_app = typer.Typer(help="Investigators' own clues.", no_args_is_help=True)


def render_estimate(estimate: Estimate, top: int = 5) -> None:
    console.print(styled(("places", "bold"), ": ", estimate.note))
    for rank, score in enumerate(estimate.ranked[:top], 1):
        console.print(f"  {rank}. {score.name} ({score.country}) {score.probability:.0%}")
        for reason in sorted(score.reasons, key=lambda r: -abs(r.delta))[:4]:
            console.print(f"       {reason.delta:+.2f}  {reason.label}")


def clues(
    ctx: typer.Context,
    file: Path | None = typer.Argument(None, exists=True, dir_okay=False),
    media: str | None = typer.Option(None, "--media", help="SHA-256 of stored media."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The clues of a file (extracted now) or of stored media, and the countries they suggest."""
    with friendly_errors():
        if (file is None) == (media is None):
            raise VidiError("give either a FILE or --media SHA256")
        wb = workbench(ctx)
        result = wb.file_clues(file) if file is not None else wb.media_clues(str(media))
    if as_json:
        print_json(result.to_dict())
        return
    from rich.table import Table

    from vidi.results import FileClues

    table = Table("extractor", "kind", "value", "confidence", title=f"clues of {result.sha256}")
    for c in result.clues:
        clue = c.clue
        table.add_row(c.extractor, clue.kind, clue.value[:80], f"{clue.confidence:.2f}")
    console.print(table)
    for name, error in result.errors.items() if isinstance(result, FileClues) else ():
        console.print(styled((f"{name} failed:", "yellow"), " ", str(error)))
    console.print(styled(("places", "bold"), ": ", result.estimate.note))
    for rank, score in enumerate(result.estimate.ranked[:5], 1):
        console.print(f"  {rank}. {score.name} ({score.country}) {score.probability:.0%}")


@clue_app.command("add")
def clue_add(
    ctx: typer.Context,
    media: str = typer.Option(..., "--media", help="SHA-256 of the media item."),
    kind: str = typer.Option(..., help="e.g. language_heard, country, socket_type, shop_name."),
    value: str = typer.Option(..., help="e.g. pl (or Polish), PL, type F, the shop's name."),
    note: str | None = typer.Option(None, help="Why you think so."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add what you recognised; country evidence kinds are fused with extracted clues."""
    with friendly_errors():
        added = workbench(ctx).add_clue(media, kind, value, note=note)
    if as_json:
        print_json(added.to_dict())
        return
    console.print(f"added clue #{added.id} {added.kind}={added.value}")
    if not added.fused:
        from vidi.places.evidence import EVIDENCE_KINDS

        console.print(
            f"note: '{added.kind}' has no country table yet; it is kept and shown, not fused. "
            f"Kinds that move countries: {', '.join(sorted(EVIDENCE_KINDS))}"
        )


def extract(
    ctx: typer.Context,
    case: str = typer.Option(..., "--case"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    limit: int | None = typer.Option(None, help="Stop after this many media (resumable)."),
    distributed: bool = typer.Option(
        False, "--distributed", help="Send chunks to 'vidi worker' processes (Celery, Redis)."
    ),
    wait: bool = typer.Option(
        True, "--wait/--no-wait", help="With --distributed: wait and show progress."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Run (or resume) the clue extractors on a case's media, new material first."""
    from vidi.cli.progress import CountProgress

    if distributed:
        with friendly_errors():
            progress = None if quiet or as_json else CountProgress("clues")
            sent = workbench(ctx).extract_distributed(case, wait=wait, progress=progress)
        if as_json:
            print_json(sent.to_dict())
        elif sent.summary is None:
            console.print(f"job {sent.job.id}: {sent.job.chunks} chunks sent to the workers")
        else:
            found = sent.summary
            console.print(
                f"job {sent.job.id}: {found.media} media, {found.clues} clues, "
                f"{found.failed} failed extractions"
            )
        return
    with friendly_errors():
        progress = None if quiet or as_json else CountProgress("clues")
        summary = workbench(ctx).extract(case, limit=limit, progress=progress)
    if as_json:
        print_json(summary)  # ExtractionSummary.to_dict() lands with clues/runner.py
    else:
        console.print(
            f"{summary.media} media, {summary.clues} clues, {summary.failed} failed "
            f"extractions; by extractor: {summary.by_extractor}"
        )


def place(
    ctx: typer.Context,
    case: str = typer.Option(..., "--case"),
    series: str | None = typer.Option(None, help="A near-duplicate group id (vidi groups)."),
    other_cases: bool = typer.Option(
        False, "--other-cases", help="Also fuse the clues of the series' media in other cases."
    ),
    top: int = typer.Option(10),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Ranked likely countries for a case or one series, each with the clues behind it."""
    with friendly_errors():
        placed = workbench(ctx).place(case, series, other_cases=other_cases, top=top)
    if as_json:
        print_json(placed.to_dict())
    else:
        render_estimate(placed.estimate, top)


def search(
    ctx: typer.Context,
    text: str = typer.Option(..., "--text", help="Words that must all appear."),
    case: str | None = typer.Option(None, "--case"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Find media whose recognised text (OCR, QR codes) holds the words."""
    with friendly_errors():
        hits = workbench(ctx).search(text, case)
    if as_json:
        print_json([h.to_dict() for h in hits])
        return
    from rich.table import Table

    table = Table("media", "kind", "text", "confidence")
    for hit in hits:
        clue = hit.clue
        table.add_row(hit.media_sha256[:16], clue.kind, clue.value[:80], f"{clue.confidence:.2f}")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(clues)
    app.add_typer(clue_app, name="clue")
    app.command()(extract)
    app.command()(place)
    app.command()(search)
