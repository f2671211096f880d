"""The bounded child-process runner: the one way Vidi runs an external decoder.

A hostile or broken file can hang a decoder, and only a separate process can be stopped
for sure, so ffmpeg, fpcalc, PyAV and vpdq always run in a child process under a time
limit. Plain subprocesses (not ``multiprocessing``) are used so that this also works
inside daemonic pool workers, which may not start child processes of their own.

A failure is a :class:`~vidi.errors.DecodeError` whose ``reason`` is ``timeout`` when the
time limit stopped the child and ``failed`` otherwise; its ``detail`` says what.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator

from vidi.errors import DecodeError

MAX_STDERR_CHARS = 300
TIMEOUT = "timeout"
"""The ``reason`` of a DecodeError raised because a child ran past its time limit."""
FAILED = "failed"


def run_bounded(
    argv: list[str], timeout_s: float, what: str, stdin: bytes = b"", benign: str = ""
) -> bytes:
    """Run a tool, return its stdout; a failure or overrun becomes a DecodeError.

    ``subprocess.run`` kills the child when the time limit passes. A failure whose
    message contains ``benign`` (and that wrote output) counts as success.
    """
    try:
        done = subprocess.run(
            argv, input=stdin, capture_output=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise _failure(TIMEOUT, what, f"stopped after {timeout_s:g} s (decoder hung?)") from exc
    except OSError as exc:
        raise _failure(FAILED, what, f"cannot run {argv[0]}: {exc}") from exc
    if done.returncode != 0 and not (benign and benign.encode() in done.stderr and done.stdout):
        raise _failure(FAILED, what, _last_lines(done.stderr) or f"exit {done.returncode}")
    return done.stdout


def stream_bounded(
    argv: list[str], chunk_bytes: int, timeout_s: float, what: str
) -> Iterator[bytes]:
    """Run a tool and yield its stdout in chunks of exactly ``chunk_bytes`` (a short tail is
    dropped), so a caller can consume a long output with flat memory.

    A timer kills the child when ``timeout_s`` has passed; that, or a failing exit,
    becomes a DecodeError once the output ends.
    """
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err)
        overran = threading.Event()

        def stop() -> None:
            overran.set()
            proc.kill()

        timer = threading.Timer(timeout_s, stop)
        timer.start()
        try:
            assert proc.stdout is not None
            while len(chunk := proc.stdout.read(chunk_bytes)) == chunk_bytes:
                yield chunk
            code = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if overran.is_set():
            raise _failure(TIMEOUT, what, f"decoding stopped after {timeout_s:g} s")
        if code != 0:
            err.seek(0)
            last = err.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            raise _failure(FAILED, what, " ".join(last) or f"{argv[0]} exit {code}")


def _failure(reason: str, what: str, detail: str) -> DecodeError:
    """The message reads as before (``what: detail``); ``reason`` says which kind."""
    return DecodeError(f"{what}: {detail}", reason=reason, detail=f"{what}: {detail}")


def _last_lines(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    return " | ".join(text.splitlines()[-3:])[-MAX_STDERR_CHARS:]
