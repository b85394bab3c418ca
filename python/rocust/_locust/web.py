"""``locust.web``: ``environment.web_ui`` as locustfiles extend it.

rocust's engine serves the web UI (its page, Locust's HTTP API, the login); this object
holds what a locustfile adds, the way Locust's ``WebUI`` does: Flask routes and blueprints
on ``app`` (requests the engine has no route for go to it), ``after_request`` hooks (they
see ``/stats/requests``, e.g. to add ``extended_stats``), and ``template_args`` keys such
as ``extended_tabs``, ``extended_tables`` and ``extended_csv_files``, which the page shows.

``auth_required_if_enabled`` leaves a route as it is: with ``--web-login`` the engine
checks every request, the locustfile's routes included, before they get here.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

logger = logging.getLogger(__name__)

__all__ = ["WebUI", "HOST_IS_REQUIRED"]

#: Locust's switch for the start form's host field (read by the page as is_host_required).
HOST_IS_REQUIRED = False

F = TypeVar("F", bound=Callable[..., Any])


class WebUI:
    """The locustfile's part of the web UI (created by rocust, not by locustfiles)."""

    def __init__(self, environment: Any, engine: Any, web_login: bool = False) -> None:
        self.environment = environment
        self._engine = engine
        self.web_login = web_login
        self.template_args: Dict[str, Any] = {}
        """Keys added here (``extended_tabs``...) reach the page; Locust's own are filled
        by ``update_template_args``."""
        self.auth_args: Dict[str, Any] = {}
        self.greenlet: Any = None
        """None: the engine serves, not a greenlet of this process."""
        self.server: Any = None
        self._app: Any = None
        self._background: List[Any] = []

    @property
    def app(self) -> Any:
        """A Flask app for the locustfile's routes; ``render_template("index.html",
        template_args=...)`` renders rocust's page."""
        if self._app is None:
            from flask import Flask
            from jinja2 import ChoiceLoader, DictLoader

            app = Flask("locust")
            page = DictLoader({"index.html": self._engine.web_page_template()})
            app.jinja_env.loader = ChoiceLoader([page, app.jinja_env.loader])  # type: ignore[list-item]
            app.register_blueprint(_locust_endpoints(self.environment))
            self._app = app
            self._engine.web_extended()
        return self._app

    @property
    def login_manager(self) -> Any:
        """Flask-Login's manager on ``app``, with ``--web-login`` only (as in Locust).
        The engine's own login guards the UI; a locustfile's ``user_loader`` is kept
        for its own routes."""
        if not self.web_login:
            raise AttributeError("The web UI has no login manager without --web-login")
        manager = getattr(self, "_login_manager", None)
        if manager is None:
            from flask_login import LoginManager  # type: ignore[import-untyped]

            manager = LoginManager()
            manager.init_app(self.app)
            manager.login_view = "locust.login"
            self._login_manager = manager
            self._engine.web_own_login()
        return manager

    def auth_required_if_enabled(self, view_func: F) -> F:
        """Locust's decorator. With rocust's own login the engine has checked every
        request already; with the locustfile's login (Flask-Login), the route needs it."""
        if not self._own_login():
            return view_func
        from flask_login import login_required

        return login_required(view_func)  # type: ignore[no-any-return]

    def _own_login(self) -> bool:
        """--web-login without rocust's credentials: the locustfile's login decides."""
        import os

        builtin = os.environ.get("ROCUST_WEB_LOGIN") or os.environ.get("ROCUST_WEB_LOGIN_FILE")
        return self.web_login and not builtin and getattr(self, "_login_manager", None) is not None

    def _is_logged_in(self, headers: List[Tuple[str, str]]) -> bool:
        """Whether the session these headers carry is logged in (Flask-Login)."""
        from flask_login import current_user

        with self.app.test_request_context("/", headers=headers):
            try:
                return bool(current_user.is_authenticated)
            except Exception as e:  # no secret key, a broken user loader...
                logger.error("Locust auth exception: %s", e)
                return False

    def _auth_args(self, headers: List[Tuple[str, str]]) -> str:
        """``auth_args`` for the login page, with the session's error and info."""
        from flask import session

        args = dict(self.auth_args)
        with self.app.test_request_context("/login", headers=headers):
            try:
                args["error"] = session.get("auth_error")
                args["info"] = session.get("auth_info")
            except Exception as e:
                logger.error("Locust auth exception: %s", e)
        return json.dumps(args, default=str)

    def update_template_args(self) -> None:
        """Fills ``template_args`` with the page's current values (keys added by the
        locustfile stay, as in Locust)."""
        current = self._engine.web_template_args()
        if current is not None:
            self.template_args = {**self.template_args, **json.loads(current)}

    def add_background_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Runs ``func`` in its own greenlet beside the users (until ``stop()``); an
        exception in it is logged and counts as unhandled, as for Locust's greenlets."""
        import gevent

        from .log import greenlet_exception_logger

        task = gevent.spawn(func, *args, **kwargs)
        task.link_exception(greenlet_exception_logger(logger))
        self._background.append(task)
        return task

    def stop(self) -> None:
        """Stops the web UI and its background tasks; the run then shuts down,
        writing its reports."""
        for task in self._background:
            task.kill(block=False)
        self._background.clear()
        self._engine.web_stop()

    # -- the engine's requests ------------------------------------------------------

    def _handle(self, method: str, path: str, query: str, headers: List[Tuple[str, str]], body: bytes) -> Tuple[int, List[Tuple[str, str]], bytes]:
        """Runs one request through the Flask app (the engine found no route for it)."""
        from werkzeug.test import EnvironBuilder

        builder = EnvironBuilder(path=path, method=method, query_string=query, headers=headers, data=body)
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        return _call_wsgi(self.app, environ)

    def _after_request(self, path: str, body: bytes) -> Optional[bytes]:
        """``body`` (JSON) through the app's ``after_request`` hooks; None when there are none."""
        app = self._app
        if app is None or not any(app.after_request_funcs.values()):
            return None
        with app.test_request_context(path):
            response = app.response_class(body, mimetype="application/json")
            response = app.process_response(response)
            return bytes(response.get_data())

    def _extra_template_args(self) -> str:
        return json.dumps(self.template_args, default=str)


def _locust_endpoints(environment: Any) -> Any:
    """Locust's endpoint names (``url_for("locust.index")``, ``"locust.login"``) for
    locustfiles' redirects; the engine serves those paths, so these never answer."""
    from flask import Blueprint

    options = getattr(environment, "parsed_options", None)
    base = str(getattr(options, "web_base_path", "") or "")
    blueprint = Blueprint("locust", __name__, url_prefix=base or None)

    def index() -> Tuple[str, int]:
        return "", 404

    def login() -> Tuple[str, int]:
        return "", 404

    blueprint.add_url_rule("/", "index", index)
    blueprint.add_url_rule("/login", "login", login)
    return blueprint


def _call_wsgi(app: Any, environ: Dict[str, Any]) -> Tuple[int, List[Tuple[str, str]], bytes]:
    started: List[Any] = []

    def start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        started[:] = [status, headers]
        return lambda _data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    status, headers = started
    return int(str(status).split(" ", 1)[0]), [(str(k), str(v)) for k, v in headers], body
