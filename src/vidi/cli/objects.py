"""``vidi features``, ``vidi find``, ``vidi gallery import|check|list``: the object search."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vidi.cli.common import console, friendly_errors, print_json, workbench

if TYPE_CHECKING:
    from vidi.objects.search import FindResult

gallery_app = typer.Typer(help="Labelled reference galleries (bags, logos, packaging).")


def features(
    ctx: typer.Context,
    case: str = typer.Option(..., "--case"),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Stop after this many."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Run (or resume) the local-feature stage: index pictures, link scenes, match galleries."""
    from vidi.cli.progress import CountProgress  # Rich's progress bar only where it is shown

    with friendly_errors():
        progress = None if quiet or as_json else CountProgress("features")
        summary = workbench(ctx).run_features(case, progress=progress, limit=limit)
    if as_json:
        print_json(summary)
        return
    console.print(
        f"features: {summary.pictures} pictures ({summary.failed} failed), "
        f"{summary.scene_links} same-scene links, {summary.object_clues} gallery matches, "
        f"{summary.remaining} still pending"
    )


def find(
    ctx: typer.Context,
    case: str = typer.Option(..., "--case"),
    media: str = typer.Option(..., "--media", help="SHA-256 of the picture the box is in."),
    box: str | None = typer.Option(None, "--box", help="x,y,width,height in pixels."),
    scope: str = typer.Option("case", "--scope", help="case, all or gallery:NAME."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every picture that shows the object in the box, verified, best first."""
    with friendly_errors():
        from vidi.objects.search import parse_box

        result = workbench(ctx).find_object(case, media, parse_box(box) if box else None, scope)
    if as_json:
        print_json(result)
        return
    render_find(result)


def render_find(result: FindResult) -> None:
    console.print(
        f"{len(result.hits)} hits in scope {result.scope} ({result.query_points} points in the box)"
    )
    for rank, hit in enumerate(result.hits, 1):
        what = hit.media_sha256 or f"gallery {hit.gallery}: {hit.label} ({hit.country or '?'})"
        where = ",".join(str(v) for v in hit.region) if hit.region else "?"
        mirror = " mirrored" if hit.mirrored else ""
        console.print(f"  {rank}. {what}  {hit.inliers} inliers  at {where}{mirror}")


@gallery_app.command("import")
def gallery_import(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., exists=True, file_okay=False),
    name: str = typer.Option(..., "--name"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import pictures listed in FOLDER/gallery.csv (file,label,country,note)."""
    with friendly_errors():
        result = workbench(ctx).import_gallery(folder, name)
    if as_json:
        print_json(result)
        return
    console.print(f"gallery {result.name}: {result.items} items")
    for line in result.skipped:
        console.print(f"  skipped {line}")


@gallery_app.command("check")
def gallery_check(
    ctx: typer.Context,
    case: str = typer.Option(..., "--case"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Ask the case's pictures of the galleries (for a gallery imported after them)."""
    from vidi.cli.progress import CountProgress  # Rich's progress bar only where it is shown

    with friendly_errors():
        progress = None if quiet or as_json else CountProgress("galleries")
        result = workbench(ctx).check_galleries(case, progress=progress)
    if as_json:
        print_json(result)
        return
    console.print(f"galleries: {result.pictures} pictures asked, {result.object_clues} new matches")


@gallery_app.command("list")
def gallery_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """The imported galleries."""
    with friendly_errors():
        galleries = workbench(ctx).galleries()
    if as_json:
        print_json(galleries)
        return
    for g in galleries:
        console.print(f"{g.name}: {g.items} items from {g.folder} ({g.imported_at})")


def register(app: typer.Typer) -> None:
    app.command()(features)
    app.command()(find)
    app.add_typer(gallery_app, name="gallery")
