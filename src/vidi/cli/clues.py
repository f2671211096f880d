"""``vidi clues``, ``vidi clue add``, ``vidi extract``, ``vidi place``, ``vidi search``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import select

from vidi.audit import current_actor
from vidi.cases import get_case
from vidi.cli.common import console, friendly_errors, print_json, state
from vidi.cli.display import styled
from vidi.cli.progress import CountProgress
from vidi.clues.registry import enabled_extractors
from vidi.clues.runner import extract_clues, run_extractors
from vidi.errors import SourceError, VidiError
from vidi.estimates import add_investigator_clue, estimate_case, estimate_media
from vidi.places.evidence import EVIDENCE_KINDS, ClueEvidence
from vidi.places.fusion import Estimate, estimate_countries
from vidi.places.prior import population_prior
from vidi.search import search_text
from vidi.sources.sniff import SNIFF_BYTES, sniff
from vidi.sources.streams import open_noatime
from vidi.store.models import Clue

clue_app = typer.Typer(help="Investigators' own clues.", no_args_is_help=True)


def estimate_dict(estimate: Estimate, top: int = 10) -> dict[str, Any]:
    return {
        "informative": estimate.informative,
        "note": estimate.note,
        "clues_used": estimate.clues_used,
        "ranked": [
            {
                "country": s.country,
                "name": s.name,
                "probability": round(s.probability, 4),
                "score": round(s.score, 3),
                "reasons": [
                    {
                        "clue": r.label,
                        "kind": r.kind,
                        "value": r.value,
                        "delta": round(r.delta, 3),
                        "count": r.count,
                    }
                    for r in s.reasons
                ],
            }
            for s in estimate.ranked[:top]
        ],
        "not_informative": [
            {"clue": c.label, "kind": c.kind, "value": c.value, "why": c.why}
            for c in estimate.not_informative
        ],
    }


def render_estimate(estimate: Estimate, top: int = 5) -> None:
    console.print(styled(("places", "bold"), ": ", estimate.note))
    for rank, score in enumerate(estimate.ranked[:top], 1):
        console.print(f"  {rank}. {score.name} ({score.country}) {score.probability:.0%}")
        for reason in sorted(score.reasons, key=lambda r: -abs(r.delta))[:4]:
            console.print(f"       {reason.delta:+.2f}  {reason.label}")


def _file_clues(path: Path, ctx: typer.Context) -> dict[str, Any]:
    settings = state(ctx).settings
    with open_noatime(path) as handle:
        kind = sniff(handle.read(SNIFF_BYTES)).kind
    if kind not in ("image", "video", "audio"):
        raise SourceError(f"{path} is not a picture, video or sound file ({kind})")
    from vidi.ingest.digest import digest_stream

    with open_noatime(path) as handle:
        sha256 = digest_stream(handle).sha256
    media_type = "image" if kind == "image" else "video"
    outcomes = run_extractors(enabled_extractors(settings), sha256, media_type, path, settings)
    clues: list[dict[str, Any]] = [
        {
            "extractor": o.extractor,
            "version": o.version,
            "kind": c.kind,
            "value": c.value,
            "confidence": c.confidence,
            "region": c.region.as_dict() if c.region else None,
        }
        for o in outcomes
        for c in o.clues
    ]
    evidence = [
        ClueEvidence(c["kind"], c["value"], c["confidence"], f"{c['kind']} from {c['extractor']}")
        for c in clues
        if c["kind"] in EVIDENCE_KINDS
    ]
    return {
        "sha256": sha256,
        "clues": clues,
        "errors": {o.extractor: o.error for o in outcomes if o.error},
        "estimate": estimate_dict(estimate_countries(evidence, prior=population_prior())),
    }


def _stored_clues(sha256: str, ctx: typer.Context) -> dict[str, Any]:
    with state(ctx).db.session() as session:
        estimate = estimate_media(session, sha256)
        clues = [
            {
                "id": c.id,
                "extractor": c.extractor,
                "version": c.extractor_version,
                "kind": c.kind,
                "value": c.value,
                "confidence": c.confidence,
                "region": c.region,
                "author": c.author,
                "detail": c.detail,
            }
            for c in session.scalars(select(Clue).where(Clue.media_sha256 == sha256))
        ]
    return {"sha256": sha256, "clues": clues, "estimate": estimate_dict(estimate)}


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
        result = _file_clues(file, ctx) if file is not None else _stored_clues(str(media), ctx)
    if as_json:
        print_json(result)
        return
    table = Table("extractor", "kind", "value", "confidence", title=f"clues of {result['sha256']}")
    for c in result["clues"]:
        table.add_row(c["extractor"], c["kind"], str(c["value"])[:80], f"{c['confidence']:.2f}")
    console.print(table)
    for name, error in result.get("errors", {}).items():
        console.print(styled((f"{name} failed:", "yellow"), " ", str(error)))
    estimate = result["estimate"]
    console.print(styled(("places", "bold"), ": ", estimate["note"]))
    for rank, score in enumerate(estimate["ranked"][:5], 1):
        console.print(f"  {rank}. {score['name']} ({score['country']}) {score['probability']:.0%}")


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
    with friendly_errors(), state(ctx).db.session() as session:
        clue = add_investigator_clue(session, media, kind, value, current_actor(), note)
        data = {
            "id": clue.id,
            "kind": clue.kind,
            "value": clue.value,
            "fused": clue.kind in EVIDENCE_KINDS,
        }
    if as_json:
        print_json(data)
        return
    console.print(f"added clue #{data['id']} {data['kind']}={data['value']}")
    if not data["fused"]:
        console.print(
            f"note: '{data['kind']}' has no country table yet; it is kept and shown, not fused. "
            f"Kinds that move countries: {', '.join(sorted(EVIDENCE_KINDS))}"
        )


def extract(
    ctx: typer.Context,
    case: str = typer.Option(..., "--case"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    limit: int | None = typer.Option(None, help="Stop after this many media (resumable)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Run (or resume) the clue extractors on a case's media, new material first."""
    st = state(ctx)
    with friendly_errors():
        with st.db.session() as session:
            case_id = get_case(session, case).id
        progress = None if quiet or as_json else CountProgress("clues")
        summary = extract_clues(st.db, st.settings, case_id=case_id, progress=progress, limit=limit)
    if as_json:
        print_json(summary)
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
    with friendly_errors(), state(ctx).db.session() as session:
        estimate = estimate_case(session, case, series, other_cases)
    if as_json:
        print_json(estimate_dict(estimate, top))
    else:
        render_estimate(estimate, top)


def search(
    ctx: typer.Context,
    text: str = typer.Option(..., "--text", help="Words that must all appear."),
    case: str | None = typer.Option(None, "--case"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Find media whose recognised text (OCR, QR codes) holds the words."""
    with friendly_errors(), state(ctx).db.session() as session:
        hits = search_text(session, text, case)
    if as_json:
        print_json(hits)
        return
    table = Table("media", "kind", "text", "confidence")
    for hit in hits:
        table.add_row(hit.media_sha256[:16], hit.kind, hit.text[:80], f"{hit.confidence:.2f}")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(clues)
    app.add_typer(clue_app, name="clue")
    app.command()(extract)
    app.command()(place)
    app.command()(search)
