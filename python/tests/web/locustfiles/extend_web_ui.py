"""Extends the web UI the way Locust's documentation and examples/extend_web_ui.py do:
a custom route, a blueprint that renders the page with an extra tab, an after_request hook
that adds extended_stats to /stats/requests, template_args, and web_ui.stop()."""

import json

from flask import Blueprint, jsonify, render_template, request

from locust import HttpUser, constant, events, task


class WebUser(HttpUser):
    wait_time = constant(0.1)

    @task
    def index(self):
        self.client.get("/")


extend = Blueprint("extend", "extend_web_ui")


@events.init.add_listener
def on_init(environment, **kwargs):
    web_ui = environment.web_ui
    if not web_ui:
        return
    web_ui.template_args["extended_tabs"] = [{"title": "Content Length", "key": "content-length"}]
    web_ui.template_args["extended_tables"] = [
        {"key": "content-length", "structure": [{"key": "name", "title": "Name"}, {"key": "content_length", "title": "Total content length"}]}
    ]

    @web_ui.app.route("/hello")
    @web_ui.auth_required_if_enabled
    def hello():
        return jsonify({"hello": request.args.get("who", "world")})

    @web_ui.app.after_request
    def extend_stats_response(response):
        if request.path != "/stats/requests":
            return response
        data = [{"name": "/", "content_length": 12}]
        response.set_data(json.dumps({**response.json, "extended_stats": [{"key": "content-length", "data": data}]}))
        return response

    @extend.route("/extend")
    def extend_web_ui():
        environment.web_ui.update_template_args()
        return render_template("index.html", template_args={**environment.web_ui.template_args, "is_extended": True})

    ticks = []

    def ticker():
        import gevent

        while True:
            ticks.append(1)
            gevent.sleep(0.05)

    web_ui.add_background_task(ticker)

    @extend.route("/ticks")
    def tick_count():
        return jsonify({"ticks": len(ticks)})

    @extend.route("/quit", methods=["POST"])
    def quit():
        environment.web_ui.stop()
        return "bye"

    web_ui.app.register_blueprint(extend)
