"""One-line notices: something was wrong, Vidi put it right, and the person should know.

Why: a derived store (the PDQ index) that failed its checks is rebuilt from the
database without stopping the command, but a silent repair would hide a failing disk
or a tampered file. Library code calls :func:`notice`; the command line shows each
notice as one line on stderr (``notice: …``); other callers read the ``vidi.notice``
logger.
"""

from __future__ import annotations

import logging

LOGGER = "vidi.notice"


def notice(message: str) -> None:
    """Tell the person at the console, in one line, what was wrong and what was done."""
    logging.getLogger(LOGGER).warning(message)
