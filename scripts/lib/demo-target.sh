# Shell helpers to run rocust-demo-target in the background. Source this file; needs bash.
#   start_demo_target BINARY [ARGS...]  -> sets DEMO_TARGET_PID and DEMO_TARGET_URL (http://127.0.0.1:PORT)
#   stop_demo_target                    -> SIGTERM, then SIGKILL after 5 s; safe to call twice
# The target binds a free loopback port (--port 0) and announces it with "listening on http://ADDR:PORT".

DEMO_TARGET_PID=""
DEMO_TARGET_URL=""
DEMO_TARGET_LOG=""

start_demo_target() {
    local bin="$1"
    shift
    [[ -x "$bin" ]] || { echo "error: demo target binary $bin not found (build it first)" >&2; return 1; }
    DEMO_TARGET_LOG="$(mktemp -t rocust-demo-target.XXXXXX)"
    "$bin" --port 0 "$@" >"$DEMO_TARGET_LOG" 2>&1 &
    DEMO_TARGET_PID=$!
    local line="" i
    for ((i = 0; i < 200; i++)); do
        line="$(grep -m1 '^listening on http://' "$DEMO_TARGET_LOG" || true)"
        [[ -n "$line" ]] && break
        if ! kill -0 "$DEMO_TARGET_PID" 2>/dev/null; then
            echo "error: demo target exited before listening:" >&2
            cat "$DEMO_TARGET_LOG" >&2
            DEMO_TARGET_PID=""
            return 1
        fi
        sleep 0.05
    done
    if [[ -z "$line" ]]; then
        echo "error: demo target did not print 'listening on' within 10 s" >&2
        stop_demo_target
        return 1
    fi
    DEMO_TARGET_URL="${line#listening on }"
}

stop_demo_target() {
    local pid="$DEMO_TARGET_PID" i
    DEMO_TARGET_PID=""
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null || true
    fi
    if [[ -n "$DEMO_TARGET_LOG" ]]; then
        rm -f "$DEMO_TARGET_LOG"
        DEMO_TARGET_LOG=""
    fi
}
