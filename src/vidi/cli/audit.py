"""``vidi audit verify``: check the audit chain and the anchor kept outside the database."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vidi.cli.common import console, errors, friendly_errors, print_json, workbench

if TYPE_CHECKING:
    from vidi.audit import AnchorCheck, ChainVerification

audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    anchor: Path | None = typer.Option(
        None, "--anchor", help="Also check this copy of the anchor (one a supervisor kept)."
    ),
    export: Path | None = typer.Option(
        None, "--export", help="When the chain verifies, write its anchor to this file."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check every event of the audit chain, its head and the anchors; exit 1 if it fails."""
    with friendly_errors():
        result = workbench(ctx).audit_verify(anchor, export)
    if as_json:
        print_json(result.to_dict())
    else:
        _render(result, export)
    if export is not None and not result.ok:
        errors.print("error: the chain does not verify, so no anchor was exported")
    if not result.ok:
        raise typer.Exit(1)


def _render(result: ChainVerification, export: Path | None) -> None:
    say = partial(console.print, soft_wrap=True)  # hashes and paths stay whole
    verdict = "verified" if result.ok else "FAILED"
    say(f"audit chain {verdict}: {result.events} events, head {result.head_hash}")
    if result.legacy_events:
        say(
            f"  {result.legacy_events} early events use the old hash, "
            "which does not cover their time"
        )
    if result.first_bad_event is not None:
        bad = result.first_bad_event
        where = f"event {bad.seq}" + (f" (row id {bad.id})" if bad.id is not None else "")
        say(f"  first bad: {where}: {bad.reason}")
    for problem in result.problems[1:]:
        say(f"  also: {problem}")
    for label, check in (("anchor", result.anchor), ("anchor copy", result.anchor_copy)):
        if check is not None:
            say(f"  {label}: {_describe(check)}")
    if export is not None and result.ok:
        say(f"  anchor exported to {export}; keep it where this home cannot write")


def _describe(check: AnchorCheck) -> str:
    if not check.found:
        return f"none yet at {check.path} (written after the next audited action)"
    if check.events is None:
        return f"{check.path}: {check.reason}"
    state_word = "matches" if check.ok else "does NOT match"
    return (
        f"{check.path} ({check.events} events, head {check.head_hash}, "
        f"written {check.written_at}) {state_word}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
