"""Distributed ingest and extraction: chunks of a job run by Celery workers on many machines.

The enqueuing side writes a job and its chunks to the database first, then sends one
message per chunk (its ids only) through the broker. A worker runs a chunk with the
same per-file code and the same writer as a local run (:func:`vidi.ingest.pipeline.
store_entries`), so its inserts are the same idempotent batches. What is done is known
from the database alone: a lost broker or a killed worker costs a re-send, never a
row doubled or lost.
"""
