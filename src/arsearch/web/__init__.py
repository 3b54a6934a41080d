"""The web front end: search pages and their JSON twins over the engine.

``arsearch.web.app.create_app()`` builds the app; its docstring maps the package. The
templates and static files live in the repository's top-level ``web/`` folder and ship
in the wheel as ``arsearch/web/templates`` and ``arsearch/web/static``.
"""
