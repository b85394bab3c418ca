"""The --web-login run of tools/web-reference/capture.py, configured as Locust's
examples/web_ui_auth does it: a secret key, a user loader and auth_args (no credential check,
no login route: the capture only looks at what an unauthenticated client gets).
"""

from __future__ import annotations

from typing import Any, Optional

from locust import User, constant, events, task


@events.init.add_listener
def _configure_login(environment: Any, web_ui: Any = None, **_kwargs: Any) -> None:
    if web_ui is None:
        return
    web_ui.app.config["SECRET_KEY"] = "web-reference-secret"

    def load_user(user_id: str) -> Optional[Any]:
        return None

    web_ui.login_manager.user_loader(load_user)
    web_ui.auth_args = {"username_password_callback": "/login_submit"}


class QuietUser(User):
    wait_time = constant(1)

    @task
    def idle(self) -> None:
        pass
