"""The decode floor: every way Vidi opens media content, in one place.

Pictures, video and audio are decoded here, and every external decoder (ffmpeg, fpcalc,
PyAV, vpdq) runs through the one bounded child-process runner in :mod:`.children`, so a
hostile file that hangs a decoder is stopped the same way everywhere. Evidence is opened
read-only without touching access times. :func:`vidi.media.examine.examine` says what one
file is (hashes, type, decoded facts) for the ingest worker, ``vidi hash``,
``vidi lookup FILE`` and ``vidi clues FILE`` alike.

This package imports nothing from the stages above it (ingest, matching, clues, places,
store, cli); ``tests/test_architecture.py`` holds that.
"""
