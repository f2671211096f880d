"""Portal fixtures (defined in portal_fixtures.py, which tests also import helpers from)."""

from portal_fixtures import client, live_portal, portal_setup

__all__ = ["client", "live_portal", "portal_setup"]
