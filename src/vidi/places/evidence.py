"""Turn one clue into P(clue | country) for every country, or say why it tells nothing.

The kinds and which likelihood each uses are one table, :mod:`vidi.places.kinds`; the
likelihood functions and their evidence tables are in :mod:`vidi.places.likelihoods`.
This module keeps the names other modules import.
"""

from __future__ import annotations

from vidi.places.clue import ClueEvidence
from vidi.places.kinds import COUNTRY_KINDS, EVIDENCE_KINDS, clue_likelihood
from vidi.places.likelihoods import Likelihood

__all__ = ["COUNTRY_KINDS", "EVIDENCE_KINDS", "ClueEvidence", "Likelihood", "clue_likelihood"]
