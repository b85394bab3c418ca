"""Task collection, weighted choice and seeded task order."""

import random

from _harness import Harness, emit, names
from locust import TaskSet, User, constant, tag, task
from locust.exception import StopUser

result = {}


def f1(user):
    user.trace.append("f1")


def f2(user):
    user.trace.append("f2")


def f3(user):
    user.trace.append("f3")


class Base(User):
    abstract = True
    wait_time = constant(0)
    limit = 2000

    def __init__(self, environment):
        super().__init__(environment)
        self.trace = []

    @task(2)
    def base_task(self):
        self.step("base_task")

    def step(self, name):
        self.trace.append(name)
        if len(self.trace) >= self.limit:
            raise StopUser()


class Mixed(Base):
    tasks = [(f1, 2), f2, (f3, 0)]

    @task
    def one(self):
        self.step("one")

    @task(3)
    def three(self):
        self.step("three")


class DictUser(Base):
    tasks = {f1: 3, f2: 1}


class ListUser(User):
    tasks = [f1, f1, f2]


class Nested(TaskSet):
    @task(2)
    def n1(self):
        pass

    @task
    class Deeper(TaskSet):
        @tag("deep")
        @task
        def d1(self):
            pass


class WithNested(User):
    tasks = {Nested: 4}

    @task
    def plain(self):
        pass


class SubNested(Nested):
    @task(5)
    def n2(self):
        pass


class NoTasks(User):
    pass


for cls in [Base, Mixed, DictUser, ListUser, WithNested, SubNested, NoTasks]:
    result[cls.__name__] = {"tasks": names(cls.tasks), "abstract": getattr(cls, "abstract", None)}

result["weights"] = {c.__name__: [c.weight, c.fixed_count] for c in [Mixed, DictUser]}
result["tags"] = sorted(getattr(Nested.Deeper.d1, "locust_tag_set", set()))
result["task_weight_attr"] = [
    getattr(Mixed.three, "locust_task_weight", None),
    getattr(Mixed.one, "locust_task_weight", None),
]

# Seeded runs: the picked sequence must be identical, pick for pick.
random.seed(12345)
h = Harness([Mixed, DictUser])
h.spawn("Mixed", 1)
h.spawn("DictUser", 1)
h.join()
users = []
result["counts_after"] = h.counts()

# Collect traces through a second run where we keep the user objects.
random.seed(777)
env_users = []
orig_init = Base.__init__


def keep(self, environment):
    orig_init(self, environment)
    env_users.append(self)


Base.__init__ = keep
h2 = Harness([Mixed, DictUser])
h2.spawn("Mixed", 2)
h2.spawn("DictUser", 1)
h2.join()
result["traces"] = [[type(u).__name__, u.trace] for u in env_users]
result["totals"] = {
    name: {
        t: sum(tr.count(t) for cls, tr in result["traces"] if cls == name)
        for t in ["one", "three", "base_task", "f1", "f2", "f3"]
    }
    for name in ["Mixed", "DictUser"]
}
emit(result)
