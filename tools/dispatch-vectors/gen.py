import hashlib, random
from driver import run

NAMED = [
 ("facts_sheet_example", "classes A:3 B:1 F:1:1; workers hostb_1 hosta_2 hosta_1; work 0.1; dispatch 9 4; drain; state"),
 ("three_workers_four_classes", "classes Gamma:2 Alpha:3 Fixed:1:2 Beta:1; workers node2_a node1_b node1_a; work 0.05; dispatch 23 5; drain; state; dispatch 7 5; drain; state; add node3_a; dispatch 7 5; drain; state; dispatch 12 5; drain; remove node1_b; dispatch 12 5; drain; state"),
 ("ramp_down_newest_first", "classes A:1 B:1; workers w_1 w_2; dispatch 6 6; drain; dispatch 2 1; drain; dispatch 5 2; drain"),
 ("rebalance_mid_ramp_up", "classes A:2 B:1; workers a_1 b_1; work 0.1; dispatch 10 2; next 2; add c_1; next 3; remove a_1; drain; state"),
 ("rebalance_mid_ramp_down", "classes A:2 B:1 F:1:1; workers a_1 b_1 a_2; work 0.1; dispatch 12 20; drain; dispatch 2 3; next; add b_2; next 2; remove a_1; drain; state"),
 ("spawn_rate_below_one", "classes A:1 B:1; workers w; work 0.2; dispatch 3 0.5; drain; dispatch 1 0.25; drain"),
 ("fractional_spawn_rate", "classes A:1 B:2; workers w_1 w_2; work 0.1; dispatch 10 2.5; drain; dispatch 3 1.5; drain"),
 ("user_classes_subset", "classes A:1 B:1 C:1 F:1:1; workers w1 w2; dispatch 6 10 A,C; drain; dispatch 9 10 B; drain; dispatch 9 10; drain; dispatch 12 10 A,B,C,F; drain; dispatch 14 10 @; drain; state"),
 ("fixed_count_refilled_after_ramp_down", "classes A:1 F:0:2 G:1:1; workers w; dispatch 5 10; drain; dispatch 1 10; drain; dispatch 4 10; drain; dispatch 0 10; drain; dispatch 6 1; drain"),
 ("only_fixed_classes", "classes F:1:2 G:1:1; workers w1 w2; dispatch 10 2; drain; state; dispatch 1 1; drain; add w3; next 3; dispatch 2 1; drain 6; state"),
 ("remove_last_worker_then_add", "classes A:1 B:1; workers a_1 b_1; dispatch 4 4; drain; remove a_1; remove b_1; state; dispatch 6 1; drain; add c_1; dispatch 6 1; drain; state"),
 ("duplicate_worker_id", "classes A:1; workers x_1 y_1; dispatch 4 4; drain; add x_1; dispatch 4 4; drain; state; dispatch 8 4; drain; remove x_1; dispatch 8 4; drain; state"),
 ("invalid_spawn_rates", "classes A:1; workers w; dispatch 5 0; dispatch 5 -1; dispatch 5 inf; dispatch 5 -inf; dispatch 5 nan; dispatch 2 1e-300; next; state"),
 ("same_count_and_in_progress", "classes A:1; workers w; dispatch 0 1; state; next; state; next; state; next; dispatch 2 5; drain; add v; dispatch 2 5; next; state; next; state; add u; dispatch 3 1; drain; state"),
 ("zero_and_float_weights", "classes A:0 B:2.5 C:0.5 D:1; workers w_1 w_2 v_1; dispatch 30 7; drain; dispatch 11 3.3; drain"),
 ("worker_sorting", "classes A:1; workers b_2 a_1 b_1 c c_1 a_2 a_3 d; dispatch 16 100; drain; add a_0; dispatch 16 100; drain"),
 ("update_user_class", "classes A:1 B:1 F:1:1; workers w; dispatch 4 4; drain; weight B 3; dispatch 12 4; drain; add w2; dispatch 12 4; drain; fixed F 3; dispatch 14 4; drain; dispatch 13 4; drain; dispatch 15 4; drain; state"),
 ("high_spawn_rate", "classes A:5 B:1; workers local; work 0.3; dispatch 12 1; drain; dispatch 250 1e25; drain; dispatch 0 1e25; drain"),
]

def rand_script(rng):
    names = rng.sample(["A", "B", "C", "D"], rng.randint(1, 4))
    specs = []
    for n in names:
        w = rng.choice([0, 1, 1, 2, 3, 5, 0.5, 1.5, 7])
        f = rng.randint(1, 3) if rng.random() < 0.25 else 0
        specs.append(f"{n}:{w}:{f}" if f else f"{n}:{w}")
    pool = ["h1_w1", "h1_w2", "h2_w1", "h2_w3", "h3_x", "solo", "h1_w0"]
    workers = rng.sample(pool, rng.randint(1, 4))
    ops = [f"classes {' '.join(specs)}", f"workers {' '.join(workers)}", f"work {rng.choice([0, 0.05, 0.2, 0.6])}"]
    def dispatch():
        t = rng.randint(0, 40)
        r = rng.choice([0.3, 0.5, 1, 2, 2.5, 3, 4, 7, 12, 100])
        op = f"dispatch {t} {r}"
        if rng.random() < 0.2:
            sub = rng.sample(names, rng.randint(1, len(names)))
            op += " " + ",".join(sub)
        return op
    ops.append(dispatch())
    for _ in range(rng.randint(3, 10)):
        k = rng.random()
        if k < 0.3: ops.append(dispatch())
        elif k < 0.5: ops.append(f"next {rng.randint(1, 4)}")
        elif k < 0.65: ops.append("drain 80")
        elif k < 0.75: ops.append(f"add {rng.choice(pool)}")
        elif k < 0.83: ops.append(f"remove {rng.choice(pool)}")
        elif k < 0.9: ops.append("state")
        elif k < 0.94: ops.append(f"work {rng.choice([0, 0.05, 0.2, 0.6])}")
        elif k < 0.97: ops.append(f"weight {rng.choice(names)} {rng.choice([0, 1, 2, 4.5])}")
        else: ops.append(f"fixed {rng.choice(names)} {rng.randint(0, 3)}")
    ops.append("drain 80")
    ops.append("state")
    return "; ".join(ops)

out = ["# Test vectors printed by Locust 2.47.0's real UsersDispatcher (locust/dispatch.py, with a",
       "# fake clock and a fake gevent.sleep) running the scripts below; read by dispatch/tests.rs, which",
       "# runs the same scripts on rocust's dispatcher. Generated; do not edit by hand.",
       "# '== name', then the script, then the transcript. '~~ script<TAB>sha256 of the transcript'."]
for name, script in NAMED:
    t = run(script)
    out.append(f"== {name}")
    out.append(script)
    out.append(t)
rng = random.Random(2470)
for i in range(150):
    s = rand_script(rng)
    h = hashlib.sha256(run(s).encode()).hexdigest()
    out.append(f"~~ {s}\t{h}")
open("/work/main/crates/core/src/dispatch/locust_vectors.txt", "w").write("\n".join(out) + "\n")
