#!/usr/bin/env bash
# Installs what only the benchmarks need (the test command does not): wrk, bench/cpu.sh's peer.
# Idempotent; on a fresh Debian machine it needs root for apt-get.
set -euo pipefail

log() { echo "install-bench-deps: $*" >&2; }
die() { log "error: $*"; exit 1; }

command -v wrk >/dev/null 2>&1 && exit 0
command -v apt-get >/dev/null 2>&1 || die "wrk is missing and apt-get is not available; install wrk by hand"
[[ $(id -u) -eq 0 ]] || die "wrk is missing: run this script as root (or install wrk by hand)"
log "apt-get install wrk"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || die "apt-get update failed"
apt-get install -y -qq --no-install-recommends wrk >/dev/null || die "apt-get install wrk failed"
command -v wrk >/dev/null 2>&1 || die "wrk is still missing after apt-get install"
