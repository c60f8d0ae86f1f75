#!/usr/bin/env bash
# A one-node Slurm cluster on this machine for the Slurm executor's tests and benchmark:
# installs Debian's slurm-wlm daemons and munge when missing, writes slurm.conf for this host
# under one scratch folder ($TANHUI_SLURM_DIR, default /tmp/tanhui-slurm), starts munged,
# slurmctld and slurmd, and waits until the node is idle. Prints `export SLURM_CONF=...` last.
# Already running (pid files alive, node answering): nothing is restarted. Stop it with
# tools/ci/slurm-down.sh, which stops only what this script started (by pid file).
set -euo pipefail
DIR="${TANHUI_SLURM_DIR:-/tmp/tanhui-slurm}"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
log() { echo "slurm-up: $*" >&2; }

missing=""
for p in slurmctld slurmd slurm-client munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  log "installing Debian packages:$missing"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
fi

mkdir -p "$DIR"/{state,spool,log,munge}
# One start at a time (test files may call this concurrently).
exec 9>"$DIR/.up.lock"
flock 9
HOST="$(hostname -s)"
CPUS="$(nproc)"
MEM_MB=$(( $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) - 2048 ))
[ "$MEM_MB" -gt 512 ] || MEM_MB=512
CONF="$DIR/slurm.conf"
# Scheduling tuned for short tasks (the executor's dispatch overhead, tools/bench/slurm):
# schedule at once on submit and on job end (batch_sched_delay=0, sched_min_interval small),
# no per-job wait for the node's epilog, and finished jobs kept 300 s for scontrol.
cat > "$CONF.tmp" <<CONF
ClusterName=local
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket.2
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,default_queue_depth=1000,sched_interval=2
MessageTimeout=10
MinJobAge=300
DefMemPerCPU=$(( MEM_MB / CPUS ))
KillWait=5
InactiveLimit=0
OverTimeLimit=0
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
mv "$CONF.tmp" "$CONF"
export SLURM_CONF="$CONF"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# munge: our own socket, key and pid file, so a system munged (if any) is left alone.
KEY="$DIR/munge/munge.key"
if [ ! -s "$KEY" ]; then
  dd if=/dev/urandom bs=1 count=1024 of="$KEY" status=none
fi
chown munge:munge "$DIR/munge" "$KEY" 2>/dev/null || true
chmod 700 "$DIR/munge"; chmod 400 "$KEY"
if ! alive "$DIR/munge/munged.pid"; then
  log "starting munged"
  munged --force --socket="$DIR/munge/munge.socket.2" --key-file="$KEY" --pid-file="$DIR/munge/munged.pid" \
    --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munge.seed"
fi
if ! alive "$DIR/slurmctld.pid"; then
  log "starting slurmctld"
  slurmctld -c   # -c: a fresh state (no jobs from an earlier cluster of this folder)
fi
if ! alive "$DIR/slurmd.pid"; then
  log "starting slurmd"
  slurmd
fi
for i in $(seq 1 120); do
  state="$(sinfo -h -o %T 2>/dev/null | head -1 || true)"
  case "$state" in
    idle|mixed|allocated) break ;;
    down*|drain*) scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true ;;
  esac
  sleep 0.5
done
if [ "$state" != idle ] && [ "$state" != mixed ] && [ "$state" != allocated ]; then
  log "the node did not become idle (state '${state:-none}'); logs in $DIR/log"
  exit 1
fi
log "cluster up: node $HOST ($CPUS CPUs, $MEM_MB MB), partition debug"
echo "export SLURM_CONF=$CONF"
