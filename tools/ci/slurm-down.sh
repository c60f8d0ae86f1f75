#!/usr/bin/env bash
# Stops the daemons tools/ci/slurm-up.sh started, by their pid files (never by name).
set -uo pipefail
DIR="${TANHUI_SLURM_DIR:-/tmp/tanhui-slurm}"
for f in "$DIR/slurmd.pid" "$DIR/slurmctld.pid" "$DIR/munge/munged.pid"; do
  [ -f "$f" ] || continue
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$f"
done
echo "slurm-down: stopped the daemons of $DIR" >&2
