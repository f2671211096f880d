"""``vidi publish`` (object crops for the public portal) and ``vidi tips`` (what came back).

Thin: parse, one Workbench call, render (or ``--json``). Who acts is the signed-in
user on the web; here it is the system user, or ``--as USER``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vidi.cli.common import console, friendly_errors, print_json, workbench
from vidi.cli.display import styled

if TYPE_CHECKING:
    from vidi.publications.results import PublicationInfo, TipInfo

publish_app = typer.Typer(
    help="Object crops for the public portal: propose, approve (a second person), export.",
    no_args_is_help=True,
)
tips_app = typer.Typer(
    help="Tips from the public portal: import, queue, clues.", no_args_is_help=True
)

AS_USER = typer.Option(None, "--as", help="Who acts (default: the system user).")
JSON = typer.Option(False, "--json")


def actor(name: str | None) -> str:
    from vidi.audit import current_actor

    return name or current_actor()


def render_publication(item: PublicationInfo) -> None:
    console.print(
        styled(
            (f"publication {item.id}", "bold"),
            f" {item.public_id} [{item.status}] {item.object_type} in {item.case}: ",
            item.description,
        )
    )
    console.print(f"  question: {item.question}")
    console.print(
        f"  media {item.media[:16]}…, crop {item.crop_width}×{item.crop_height}, "
        f"proposed by {item.author}"
        + (f", approved by {item.approver}" if item.approver else "")
        + (f", withdrawn by {item.withdrawn_by}" if item.withdrawn_by else "")
    )
    console.print(f"  person check: {item.person_check}")


@publish_app.command("propose")
def propose(
    ctx: typer.Context,
    case: str = typer.Option(..., "--case"),
    media: str = typer.Option(..., "--media", help="SHA-256 of the picture."),
    box: str = typer.Option(..., "--box", help="x,y,width,height in pixels: the object only."),
    object_type: str = typer.Option(
        ..., "--type", help="toy, clothing, packaging, logo, furniture, household, place, other."
    ),
    description: str = typer.Option(..., "--description", help="Short public description."),
    question: str = typer.Option(..., "--question", help='e.g. "Where is this bag sold?"'),
    language: str = typer.Option("en", "--language", help="Language of the texts."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Crop an object from a picture (rebuilt from pixels) and propose it for publication."""
    with friendly_errors():
        item = workbench(ctx).propose_publication(
            case,
            media,
            box,
            object_type,
            description,
            question,
            actor=actor(as_user),
            language=language,
        )
    if as_json:
        print_json(item.to_dict())
        return
    render_publication(item)
    console.print("  a second investigator must approve it: vidi publish approve " + str(item.id))


@publish_app.command("approve")
def approve(
    ctx: typer.Context,
    publication: str = typer.Argument(..., help="Number or public id."),
    no_person_visible: bool = typer.Option(
        False, "--no-person-visible", help="You looked at the crop: no person is visible in it."
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Approve a proposal (not its author), confirming that no person is visible."""
    with friendly_errors():
        item = workbench(ctx).approve_publication(
            publication, actor=actor(as_user), no_person_visible=no_person_visible
        )
    if as_json:
        print_json(item.to_dict())
        return
    render_publication(item)


@publish_app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    publication: str = typer.Argument(..., help="Number or public id."),
    reason: str | None = typer.Option(None, "--reason"),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Withdraw an object: it is left out of every later export (export and redeploy now)."""
    with friendly_errors():
        item = workbench(ctx).withdraw_publication(publication, actor=actor(as_user), reason=reason)
    if as_json:
        print_json(item.to_dict())
        return
    render_publication(item)
    console.print("  run 'vidi publish export' and restart the portal with the new bundle")


@publish_app.command("list")
def list_publications(
    ctx: typer.Context,
    case: str | None = typer.Option(None, "--case"),
    status: str | None = typer.Option(None, "--status", help="proposed, approved, withdrawn."),
    as_json: bool = JSON,
) -> None:
    """Proposed, approved and withdrawn objects."""
    with friendly_errors():
        items = workbench(ctx).publications(case, status)
    if as_json:
        print_json([item.to_dict() for item in items])
        return
    from rich.table import Table

    table = Table("#", "public id", "status", "type", "case", "description", "author", "approver")
    for item in items:
        table.add_row(
            str(item.id),
            item.public_id,
            item.status,
            item.object_type,
            item.case,
            item.description[:60],
            item.author,
            item.approver or "",
        )
    console.print(table)


@publish_app.command("crop")
def crop(
    ctx: typer.Context,
    publication: str = typer.Argument(..., help="Number or public id."),
    out: Path = typer.Argument(..., help="A new PNG file."),
) -> None:
    """Write a publication's crop to OUT, to look at it before approving."""
    with friendly_errors():
        png = workbench(ctx).publication_crop(publication)
        with out.open("xb") as handle:
            handle.write(png)
    console.print(f"crop written to {out}")


@publish_app.command("export")
def export(
    ctx: typer.Context,
    out: Path = typer.Argument(..., help="A new folder for the signed publication bundle."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Write every approved object (crop, public texts, id) as a signed bundle. Nothing else."""
    with friendly_errors():
        result = workbench(ctx).export_publications(out, actor=actor(as_user))
    if as_json:
        print_json(result.to_dict())
        return
    console.print(
        f"{len(result.public_ids)} objects written to {result.out}, signed by "
        f"{result.signer[:16]}… (the portal must trust {result.public_key})"
    )


def render_tip(tip: TipInfo) -> None:
    flag = ("  FLAGGED: may report other abuse, route it", "bold red") if tip.abuse_flag else ""
    console.print(
        styled(
            (f"tip {tip.id}", "bold"),
            f" [{tip.status}] object {tip.object_id}",
            f" (case {tip.case})" if tip.case else " (no publication here)",
            f", {tip.received_at}, {tip.language}",
            flag,
        )
    )
    console.print(styled("  what: ", tip.what))
    console.print(styled("  where: ", tip.where))
    if tip.contact:
        console.print(styled("  contact: ", tip.contact))
    if tip.abuse_reason:
        console.print(styled("  flagged for: ", tip.abuse_reason))


@tips_app.command("import")
def import_tips(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., help="A tip bundle from 'vidi portal tips export'."),
    key: Path | None = typer.Option(
        None, "--key", help="The portal's public key (default: HOME/trusted/portal-tips.pub)."
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Verify a tip bundle against the portal's key and queue its new tips."""
    with friendly_errors():
        result = workbench(ctx).import_tips(folder, actor=actor(as_user), key=key)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(
        f"{result.new} new tips ({result.already_imported} imported before, "
        f"{result.unknown_object} about objects not published from here, "
        f"{result.flagged} flagged for a person to route)"
    )


@tips_app.command("list")
def list_tips(
    ctx: typer.Context,
    case: str | None = typer.Option(None, "--case"),
    status: str | None = typer.Option(None, "--status"),
    publication: str | None = typer.Option(None, "--publication"),
    as_json: bool = JSON,
) -> None:
    """The tip queue: flagged tips first, then oldest first."""
    with friendly_errors():
        tips = workbench(ctx).tips(case, status, publication)
    if as_json:
        print_json([tip.to_dict() for tip in tips])
        return
    for tip in tips:
        render_tip(tip)
    if not tips:
        console.print("no tips")


@tips_app.command("set")
def set_status(
    ctx: typer.Context,
    tip: str = typer.Argument(..., help="Tip number (or the portal's tip id)."),
    status: str = typer.Argument(..., help="new, useful, not-useful or forwarded."),
    note: str | None = typer.Option(None, "--note", help="e.g. to whom it was forwarded."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Set a tip's status."""
    with friendly_errors():
        result = workbench(ctx).set_tip_status(tip, status, actor=actor(as_user), note=note)
    if as_json:
        print_json(result.to_dict())
        return
    render_tip(result)


@tips_app.command("clue")
def clue(
    ctx: typer.Context,
    tip: str = typer.Argument(..., help="Tip number (a useful one)."),
    kind: str = typer.Option(..., "--kind", help="place, country, shop or product."),
    value: str = typer.Option(..., "--value", help="e.g. PL, the shop's name."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Make a useful tip a clue on its object's media (a country feeds the estimate)."""
    with friendly_errors():
        result = workbench(ctx).tip_to_clue(tip, kind, value, actor=actor(as_user))
    if as_json:
        print_json(result.to_dict())
        return
    fused = "feeds the place estimate" if result.feeds_estimate else "kept and shown, not fused"
    console.print(
        f"clue #{result.clue_id} {result.kind}={result.value} on media {result.media[:16]}… "
        f"from tip {result.tip} ({fused})"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(publish_app, name="publish")
    app.add_typer(tips_app, name="tips")
