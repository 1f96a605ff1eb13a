#!/usr/bin/env bash
# Stops the single-node SLURM that scripts/slurm/start.sh started in $PARAFLOW_SLURM_DIR
# (default /tmp/paraflow-slurm): cancels its jobs, then stops slurmd, slurmctld and (if start.sh
# started it) munged by their pid files: SIGTERM, wait, SIGKILL after 20 s. Safe to run again.
set -uo pipefail
dir=${PARAFLOW_SLURM_DIR:-/tmp/paraflow-slurm}
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
say() { echo "slurm stop: $*"; }

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { cat "$dir/$1.pid" 2>/dev/null; }

running=0
for d in slurmd slurmctld munged; do alive "$(pid_of $d)" && running=1; done
if [ $running = 0 ]; then
  say "nothing running in $dir"
  rm -f "$dir"/*.pid
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n env PARAFLOW_SLURM_DIR="$dir" "$0" "$@"
  fi
  echo "slurm stop: error: needs root (or passwordless sudo) to stop the SLURM daemons" >&2
  exit 1
fi

# Jobs first, while slurmctld and slurmd still run, so no job process outlives the daemons.
export SLURM_CONF=$dir/slurm.conf
if alive "$(pid_of slurmctld)" && [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
  say "cancelling jobs: $(squeue -h -o %i | tr '\n' ' ')"
  squeue -h -o %i | xargs -r scancel 2>/dev/null
  for _ in $(seq 40); do
    [ -z "$(squeue -h -t running,completing,configuring -o %i 2>/dev/null)" ] && break
    sleep 0.5
  done
fi

stop_one() {
  local name=$1 pid
  pid=$(pid_of "$name")
  if ! alive "$pid"; then
    rm -f "$dir/$name.pid"
    return
  fi
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 200); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    say "$name (pid $pid) ignored SIGTERM for 20 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
    sleep 0.2
  fi
  rm -f "$dir/$name.pid"
  say "$name stopped (pid $pid)"
}
stop_one slurmd
stop_one slurmctld
stop_one munged # only present when start.sh started munged itself
say "done"
