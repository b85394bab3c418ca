"""SequentialTaskSet order and MarkovTaskSet chains (seeded walks, validation errors)."""

import logging
import random

from _harness import Harness, emit, names
from locust import MarkovTaskSet, SequentialTaskSet, User, constant, task, transition, transitions
from locust.exception import StopUser

result = {}
steps = []


def ext(ts):
    steps.append("ext")


class Seq(SequentialTaskSet):
    @task
    def s1(self):
        steps.append("s1")

    tasks = [ext, (ext, 2)]

    @task(3)
    def s2(self):
        steps.append("s2")

    @task
    def s3(self):
        steps.append("s3")
        if len(steps) > 40:
            raise StopUser()


class SeqDict(SequentialTaskSet):
    tasks = {ext: 2}

    @task
    def after(self):
        steps.append("after")


class SeqChild(Seq):
    @task
    def child(self):
        steps.append("child")


result["seq_tasks"] = names(Seq.tasks)
result["seqdict_tasks"] = names(SeqDict.tasks)
result["seqchild_tasks"] = names(SeqChild.tasks)


class SeqUser(User):
    wait_time = constant(0)
    tasks = [Seq]


h = Harness([SeqUser])
h.spawn("SeqUser", 1)
h.join()
result["seq_run"] = list(steps)

try:

    class BadSeq(SequentialTaskSet):
        tasks = (ext,)

    result["badseq"] = "created"
except Exception as e:
    result["badseq"] = [type(e).__name__, str(e)]


class Shop(MarkovTaskSet):
    @transition("browse")
    def index(self):
        steps.append("index")

    @transitions({"index": 1, "product": 3, "browse": 1})
    def browse(self):
        steps.append("browse")

    @transitions([("cart", 2), "browse", ("index", 1)])
    def product(self):
        steps.append("product")

    @transition("index", weight=1)
    @transition("product", weight=2)
    @transition("cart", weight=0)
    def cart(self):
        steps.append("cart")
        if len(steps) >= 3000:
            raise StopUser()


result["markov"] = {
    "current": Shop.current.__name__,
    "tasks": names(Shop.tasks),
    "transitions": {n: getattr(Shop, n).transitions for n in ["index", "browse", "product", "cart"]},
    "abstract": [Shop.abstract, MarkovTaskSet.abstract],
}


class Walker(User):
    wait_time = constant(0)
    tasks = [Shop]


steps.clear()
random.seed(99)
h = Harness([Walker])
h.spawn("Walker", 1)
h.join()
result["markov_walk"] = list(steps)
counts = {}
for a, b in zip(steps, steps[1:]):
    counts[a + ">" + b] = counts.get(a + ">" + b, 0) + 1
result["markov_transition_counts"] = counts


def attempt(label, make):
    try:
        cls = make()
        result[label] = ["created", cls.__name__]
    except Exception as e:
        result[label] = [type(e).__name__, str(e)]


def no_tasks():
    class Empty(MarkovTaskSet):
        @task
        def plain(self):
            pass

    return Empty


def bad_target():
    class Bad(MarkovTaskSet):
        @transition("nowhere")
        def a(self):
            pass

    return Bad


def non_markov_target():
    class Bad(MarkovTaskSet):
        @transition("helper")
        def a(self):
            pass

        def helper(self):
            pass

    return Bad


def tagged():
    from locust import tag

    class Bad(MarkovTaskSet):
        @tag("x")
        @transition("a")
        def a(self):
            pass

    return Bad


def run_named():
    class Bad(MarkovTaskSet):
        @transition("run")
        def run(self):
            pass

    return Bad


def abstract_ok():
    class Base(MarkovTaskSet):
        abstract = True

    return Base


def unreachable():
    class Partial(MarkovTaskSet):
        @transition("a")
        def a(self):
            pass

        @transition("a")
        def b(self):
            pass

    return Partial


logging.disable(logging.CRITICAL)
for label, make in [
    ("no_tasks", no_tasks),
    ("bad_target", bad_target),
    ("non_markov_target", non_markov_target),
    ("tagged", tagged),
    ("run_named", run_named),
    ("abstract_ok", abstract_ok),
    ("unreachable", unreachable),
]:
    attempt(label, make)
emit(result)
