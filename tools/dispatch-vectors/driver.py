"""Runs dispatch scenarios against Locust 2.47.0's real UsersDispatcher and prints transcripts."""
import hashlib, sys, types
import locust.dispatch as D
from locust.dispatch import UsersDispatcher

CLOCK = [0.0]
SLEEPS = []
D.time = types.SimpleNamespace(perf_counter=lambda: CLOCK[0])
def fake_sleep(d):
    if d > 0:
        SLEEPS.append(d)
        CLOCK[0] += d
D.gevent = types.SimpleNamespace(sleep=fake_sleep)

class W:
    def __init__(self, id): self.id = id

def num(s):
    try: return int(s)
    except ValueError: return float(s)

def run(script, limit=1000):
    out = []
    classes = {}
    disp = None
    work = 0.0
    CLOCK[0] = 0.0
    def flush_sleeps():
        for s in SLEEPS: out.append("S %.6f" % s)
        SLEEPS.clear()
    def step():
        try:
            d = next(disp)
        except StopIteration:
            flush_sleeps(); out.append("E in_progress=%s" % disp.dispatch_in_progress); return False
        flush_sleeps(); out.append("D %r" % (d,)); return True
    for op in [o.strip() for o in script.replace(";", "\n").splitlines() if o.strip()]:
        p = op.split()
        if p[0] == "classes":
            for spec in p[1:]:
                f = spec.split(":")
                classes[f[0]] = type(f[0], (object,), {"weight": num(f[1]), "fixed_count": int(f[2]) if len(f) > 2 else 0})
        elif p[0] == "workers":
            disp = UsersDispatcher([W(i) for i in p[1:]], list(classes.values()))
        elif p[0] == "work":
            work = float(p[1])
        elif p[0] == "dispatch":
            uc = None
            if len(p) > 3:
                uc = [] if p[3] == "@" else [classes[n] for n in p[3].split(",")]
            try:
                disp.new_dispatch(int(p[1]), num(p[2]), uc)
                out.append("N wait=%.6f per_iter=%d" % (disp._wait_between_dispatch, min(disp._user_count_per_dispatch_iteration, 10**9)))
            except ValueError:
                out.append("ERR")
        elif p[0] == "next":
            for _ in range(int(p[1]) if len(p) > 1 else 1):
                step(); CLOCK[0] += work
        elif p[0] == "drain":
            limit = int(p[1]) if len(p) > 1 else 1000
            n = 0
            while True:
                n += 1
                if n > limit: out.append("LIMIT"); break
                more = step(); CLOCK[0] += work
                if not more: break
        elif p[0] == "weight":
            classes[p[1]].weight = num(p[2])
        elif p[0] == "fixed":
            classes[p[1]].fixed_count = int(p[2])
        elif p[0] == "add":
            disp.add_worker(W(p[1]))
        elif p[0] == "remove":
            disp.remove_worker(W(p[1]))
        elif p[0] == "state":
            out.append("T users=%d in_progress=%s %r" % (disp.get_current_user_count(), disp.dispatch_in_progress, disp._users_on_workers))
        else:
            raise SystemExit("bad op " + op)
    return "\n".join(out)

if __name__ == "__main__":
    print(run(sys.argv[1]))
