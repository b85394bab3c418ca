"""A login written in the locustfile, the way Locust's documentation describes --web-login:
Flask-Login's user loader, a secret key, web_ui.auth_args naming the locustfile's own
callback route, which logs the user in (or puts an error in the session)."""

from flask import Blueprint, jsonify, redirect, request, session, url_for
from flask_login import UserMixin, login_user

from locust import HttpUser, constant, events, task


class WebUser(HttpUser):
    wait_time = constant(0.1)

    @task
    def index(self):
        self.client.get("/")


class Person(UserMixin):
    def __init__(self, name):
        self.name = name

    def get_id(self):
        return self.name


@events.init.add_listener
def on_init(environment, **kwargs):
    web_ui = environment.web_ui
    if not web_ui:
        return
    web_ui.app.config["SECRET_KEY"] = "test-only-secret"
    web_ui.login_manager.user_loader(Person)
    web_ui.auth_args = {"username_password_callback": "/check_login"}
    pages = Blueprint("own_login", "own_login")

    @pages.route("/check_login", methods=["POST"])
    def check_login():
        if request.form.get("password") == "open sesame":
            login_user(Person(request.form.get("username", "")))
            return redirect(url_for("locust.index"))
        session["auth_error"] = "Wrong password"
        return redirect(url_for("locust.login"))

    @pages.route("/whoami")
    @web_ui.auth_required_if_enabled
    def whoami():
        return jsonify({"ok": True})

    web_ui.app.register_blueprint(pages)
