"""Investigators' review work on a case: series, grades and clue verdicts.

A *series* is media an investigator judges to belong together; Vidi proposes members
(near-duplicates, the same folder, shared clue values, the same scene) and the
investigator accepts or rejects each. A *grade* is a media item's category in a case
(the history is kept). A *clue verdict* confirms or rejects an extracted clue; a
rejected clue no longer counts in estimates. Every change is an audit event.
"""
