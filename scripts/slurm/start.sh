#!/usr/bin/env bash
# Starts a real single-node SLURM on this machine (for tests and trying the jobscripts/):
# installs slurmctld, slurmd, slurm-client and munge when missing (apt-get), writes slurm.conf into
# $PARAFLOW_SLURM_DIR (default /tmp/paraflow-slurm), starts munged, slurmctld and slurmd by hand
# (no systemd needed) from a clean state, and waits until the node is idle. Safe to run again
# (restarts cleanly). Ports: $PARAFLOW_SLURM_PORT (slurmctld, default 6817) and the next (slurmd).
# Then: export SLURM_CONF=$PARAFLOW_SLURM_DIR/slurm.conf. Stop: scripts/slurm/stop.sh.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${PARAFLOW_SLURM_DIR:-/tmp/paraflow-slurm}
die() { echo "slurm start: error: $*" >&2; exit 1; }
say() { echo "slurm start: $*"; }

# Daemons run as root (SlurmUser=root, munged via runuser): become root or give up.
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n env PARAFLOW_SLURM_DIR="$dir" "$0" "$@"
  fi
  die "needs root (or passwordless sudo) to install and run the SLURM daemons"
fi
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac

# --- packages -----------------------------------------------------------------------------------
packages=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "SLURM is not installed and there is no apt-get to install ${missing[*]}"
  say "installing ${missing[*]} (apt-get, --no-install-recommends)"
  export DEBIAN_FRONTEND=noninteractive
  # Lock timeout: other scripts (scripts/setup.sh) may be running apt at the same time.
  apt=(apt-get -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends)
  if ! "${apt[@]}" install "${missing[@]}" >"${TMPDIR:-/tmp}/paraflow-slurm-apt.log" 2>&1; then
    apt-get -qq -o DPkg::Lock::Timeout=300 update >>"${TMPDIR:-/tmp}/paraflow-slurm-apt.log" 2>&1
    "${apt[@]}" install "${missing[@]}" >>"${TMPDIR:-/tmp}/paraflow-slurm-apt.log" 2>&1 ||
      die "apt-get could not install ${missing[*]} (see ${TMPDIR:-/tmp}/paraflow-slurm-apt.log)"
  fi
fi
for c in slurmctld slurmd sinfo sbatch scontrol munged munge unmunge; do
  command -v "$c" >/dev/null || die "'$c' is missing after installing ${packages[*]}"
done

# --- clean start --------------------------------------------------------------------------------
# Anything of ours still running is stopped first, so a second start gives a fresh cluster.
PARAFLOW_SLURM_DIR=$dir "$here/stop.sh" >/dev/null 2>&1
# Another SLURM (a system one, or start.sh with another PARAFLOW_SLURM_DIR) may hold the ports.
port=${PARAFLOW_SLURM_PORT:-6817}
[[ $port =~ ^[0-9]+$ ]] || die "PARAFLOW_SLURM_PORT='$port' is not a port number"
for p in "$port" "$((port + 1))"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "port $p is in use (another SLURM running?): stop it, or set PARAFLOW_SLURM_PORT"
  fi
done
rm -rf "$dir/state" "$dir/spool" "$dir/log" "$dir"/*.pid
mkdir -p "$dir/state" "$dir/spool" "$dir/log" || die "cannot create $dir"

host=$(hostname -s)
cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm/start.sh: a single-node SLURM for tests, no cgroups, no accounting.
ClusterName=paraflow
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# Short credential lifetime: a requeued job starts again in ~5 s instead of ~150 s.
AuthInfo=cred_expire=5
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
MailProg=/bin/true
# No systemd/cgroups here: track processes through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# Debian's Open MPI is built with PMIx: srun works with pmix only.
MpiDefault=pmix
ReturnToService=2
SchedulerParameters=sched_interval=2,bf_interval=1
# Keep finished jobs visible to 'scontrol show job' (no sacct without accounting).
MinJobAge=3600
# More CPUs than cores, so that 4-rank jobs run on a 2-core machine instead of pending for ever.
SlurmdParameters=config_overrides
NodeName=$host CPUs=8 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf

# --- munge --------------------------------------------------------------------------------------
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  say "munged already running: using it"
else
  [ -r /etc/munge/munge.key ] || die "/etc/munge/munge.key is missing (the munge package makes it)"
  mkdir -p /run/munge && chown munge:munge /run/munge && chmod 0755 /run/munge ||
    die "cannot create /run/munge"
  runuser -u munge -- /usr/sbin/munged >"$dir/log/munged.out" 2>&1 ||
    die "munged did not start: $(tail -n1 "$dir/log/munged.out")"
  pid=""
  for _ in $(seq 50); do
    pid=$(cat /run/munge/munged.pid 2>/dev/null || pgrep -u munge -x munged | head -n1)
    [ -n "$pid" ] && munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    pid=""
    sleep 0.1
  done
  [ -n "$pid" ] || die "munged started but 'munge -n | unmunge' fails"
  echo "$pid" >"$dir/munged.pid" # ours: stop.sh stops it
  say "munged started (pid $pid)"
fi

# --- slurmctld, slurmd --------------------------------------------------------------------------
slurmctld -f "$dir/slurm.conf" >"$dir/log/slurmctld.out" 2>&1 ||
  die "slurmctld did not start: $(tail -n1 "$dir/log/slurmctld.out" "$dir/log/slurmctld.log" 2>/dev/null | grep -v '^==>' | grep . | tail -n1)"
slurmd -f "$dir/slurm.conf" >"$dir/log/slurmd.out" 2>&1 ||
  die "slurmd did not start: $(tail -n1 "$dir/log/slurmd.out" "$dir/log/slurmd.log" 2>/dev/null | grep -v '^==>' | grep . | tail -n1)"

state=""
for _ in $(seq 150); do
  state=$(sinfo -h -N -n "$host" -o %T 2>/dev/null | head -n1)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] ||
  die "node $host is '${state:-unknown}', not idle, after 30 s (logs in $dir/log)"
say "SLURM is up: node $host idle (8 CPUs declared), partition debug; config $dir/slurm.conf"
say "use it with: export SLURM_CONF=$dir/slurm.conf"
