"""The investigators' web workbench (FastAPI, Jinja2, htmx served from /static).

:func:`create_app` builds the app over a :class:`vidi.Workbench`; the web calls only
the Workbench. ``rules`` declares who may use each route and checks CSRF;
``security`` adds the headers; ``pages``, ``media`` and ``api`` are the routes.
"""

from vidi.web.app import create_app

__all__ = ["create_app"]
