"""Trace an Object, inside the workbench: publications out, tips back.

An investigator proposes an object crop (rebuilt from pixels, checked for size and for
a person), a second investigator approves it, and ``export_publications`` writes the
approved crops as a signed publication bundle for the public portal. Tips come back as
a signed tip bundle, wait in a queue, and a useful one becomes a clue. Every step is
audited. The bundle formats are :mod:`vidi.bundles`.
"""
