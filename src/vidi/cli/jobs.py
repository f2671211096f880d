"""``vidi worker`` and ``vidi jobs``: distributed work on Celery workers, and its progress."""

from __future__ import annotations

import typer

from vidi.cli.common import console, friendly_errors, print_json, workbench


def worker(
    ctx: typer.Context,
    concurrency: int | None = typer.Option(
        None, "--concurrency", "-c", min=1, help="Chunks run at once (default: all cores)."
    ),
    name: str | None = typer.Option(None, "--name", help="Worker name (default vidi@host)."),
) -> None:
    """Run a worker for distributed ingest and extraction until stopped (Ctrl-C, SIGTERM).

    Start one on every machine that sees the evidence at the same paths, the database
    (VIDI_DATABASE_URL), the home's blobs and the broker (VIDI_BROKER_URL).
    """
    with friendly_errors():
        workbench(ctx).run_worker(concurrency, name)


def jobs(
    ctx: typer.Context,
    case: str | None = typer.Option(None, "--case", help="Only this case's jobs."),
    limit: int = typer.Option(20, min=1, help="Jobs shown, newest first."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Distributed jobs and their progress: chunks done, running, failed."""
    with friendly_errors():
        found = workbench(ctx).jobs(case, limit)
    if as_json:
        print_json([job.to_dict() for job in found])
        return
    if not found:
        console.print("no distributed jobs")
        return
    from rich.table import Table

    table = Table(
        "job", "kind", "case", "state", "chunks done", "running", "failed", "files done/planned"
    )
    for job in found:
        table.add_row(
            str(job.id),
            job.kind,
            job.case,
            job.state,
            f"{job.chunks_done}/{job.chunks}",
            str(job.chunks_running),
            str(job.chunks_failed),
            f"{job.files_done}/{job.files}",
        )
    console.print(table)
    for job in found:
        if job.failure:
            console.print(f"job {job.id}: a chunk failed: {job.failure}")


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.command()(jobs)
