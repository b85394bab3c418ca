"""Tag filtering (--tags/--exclude-tags), --equal-weights, class weight rules."""

import logging

from _harness import Harness, emit, names
from locust import TaskSet, User, tag, task

logging.disable(logging.CRITICAL)


def make_classes():
    def shared(user):
        pass

    shared = tag("shared")(shared)

    @tag("set-level")
    class Tagged(TaskSet):
        @task
        def ts_a(self):
            pass

        @tag("extra")
        @task(2)
        def ts_b(self):
            pass

        tasks = [shared]

    class Untagged(TaskSet):
        @tag("deep")
        @task
        def deep(self):
            pass

        @task
        def shallow(self):
            pass

        @task
        class Inner(TaskSet):
            @tag("inner")
            @task(3)
            def inner_task(self):
                pass

            @task
            def inner_plain(self):
                pass

    class Web(User):
        tasks = {Tagged: 2, Untagged: 1}

        @tag("web", "shared")
        @task(4)
        def index(self):
            pass

        @task
        def untagged(self):
            pass

        @tag("web")
        @task
        def about(self):
            pass

    class Api(User):
        weight = 3
        tasks = [shared, Untagged]

        @tag("api")
        @task(2)
        def call(self):
            pass

    return Web, Api


result = {}
for label, tags, exclude in [
    ("none", None, None),
    ("web", ["web"], None),
    ("shared", ["shared"], None),
    ("set_level", ["set-level"], None),
    ("deep_inner", ["deep", "inner"], None),
    ("exclude_web", None, ["web"]),
    ("exclude_extra_deep", None, ["extra", "deep"]),
    ("both", ["shared", "inner", "web"], ["web"]),
    ("nothing", ["no-such-tag"], None),
]:
    web, api = make_classes()
    Harness([web, api], tags=tags, exclude_tags=exclude)
    result[label] = {"Web": names(web.tasks), "Api": names(api.tasks)}

for label, tags in [("equal", None), ("equal_then_tags", ["inner", "web"])]:
    web, api = make_classes()
    Harness([web, api], equal_weights=True, tags=tags)
    result[label] = {
        "Web": names(web.tasks),
        "Api": names(api.tasks),
        "weights": [web.weight, api.weight],
    }


def env_error(classes):
    from locust.env import Environment

    try:
        env = Environment(user_classes=classes)
        return ["ok", [c.__name__ for c in env.user_classes]]
    except Exception as e:
        return [type(e).__name__, str(e).replace(__name__, "MOD")]


class Zero(User):
    weight = 0


class ZeroFixed(User):
    weight = 0
    fixed_count = 2


class One(User):
    pass


def other_one():
    class One(User):
        pass

    return One


result["weight_zero_dropped"] = env_error([Zero, One, ZeroFixed])
result["all_zero"] = env_error([Zero])
result["duplicate_names"] = env_error([One, other_one()])
emit(result)
