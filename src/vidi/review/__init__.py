"""What the web workbench shows of a case: the review grid, a media item's page, the
case's audit trail.

``grid`` pages through a case's media (new first, keyset paging, filters);
``detail`` gathers one media item's occurrences, matches, clues and estimate;
``trail`` lists the audit events about a case. :class:`vidi.review.workbench_part.ReviewPart`
makes them Workbench methods, each checking case membership first.
"""
