#!/usr/bin/env bash
# Start a one-node SLURM cluster on localhost (Debian's slurm-wlm 22.05 + munge) for the SLURM profile test.
# Needs root. Installs the packages when they are missing, keeps state and logs under $FA_REPRO_SLURM_DIR
# (default /tmp/fa-repro-slurm) and writes /etc/slurm/slurm.conf, where sbatch, squeue and the srun inside
# each job look for it (a slurm.conf this script did not write is never replaced). Safe to call twice: a
# running cluster is reused.
# The node declares $FA_REPRO_SLURM_GPUS (default 2) stand-in GPUs: a gres/gpu whose device files are
# character devices like /dev/null (slurmd drops a GPU without a device file, even with Flags=CountOnly).
# sbatch --gpus / --gres=gpu requests are scheduled, counted and set CUDA_VISIBLE_DEVICES as on a GPU
# cluster, while the jobs find no CUDA device and train on the CPU.
set -euo pipefail
dir=${FA_REPRO_SLURM_DIR:-/tmp/fa-repro-slurm}
log() { echo "start_local_slurm: $*" >&2; }
if [ "$(id -u)" != 0 ]; then log "needs root (slurmd and munged run as root here)"; exit 1; fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
   || ! command -v munged >/dev/null; then
  log "installing slurmctld, slurmd, slurm-client and munge from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >&2 \
    || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >&2; }
fi
mkdir -p "$dir"/{state,spool,log}
conf=/etc/slurm/slurm.conf
marker="# written by fa-repro scripts/start_local_slurm.sh"
if [ -e "$conf" ] && ! grep -qF "$marker" "$conf"; then
  log "$conf exists and was not written by this script: not replacing it (is this a real cluster?)"; exit 1
fi
mkdir -p /etc/slurm
host=$(hostname -s)
cpus=$(nproc)
gpus=${FA_REPRO_SLURM_GPUS:-2}
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
cat > "$conf" <<CONF
$marker
ClusterName=fa-repro-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=3600
KillWait=10
Waittime=0
NodeName=$host CPUs=$cpus RealMemory=$mem Gres=gpu:$gpus State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
mkdir -p "$dir/dev"
for i in $(seq 0 $((gpus - 1))); do [ -c "$dir/dev/gpu$i" ] || mknod "$dir/dev/gpu$i" c 1 3; done
cat > /etc/slurm/gres.conf <<GRES
$marker
NodeName=$host Name=gpu Count=$gpus File=$dir/dev/gpu[0-$((gpus - 1))]
GRES
if ! pgrep -x munged >/dev/null; then
  log "starting munged"
  mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true
  [ -s /etc/munge/munge.key ] || { mungekey --create >&2 2>/dev/null || create-munge-key -f >&2; }
  runuser -u munge -- /usr/sbin/munged >&2 2>/dev/null || /usr/sbin/munged --force >&2
fi
if ! pgrep -x slurmctld >/dev/null; then log "starting slurmctld"; slurmctld; fi
if ! pgrep -x slurmd >/dev/null; then log "starting slurmd"; slurmd; fi
for i in $(seq 60); do
  state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)
  case "$state" in
    idle*|mixed*|allocated*) break ;;
    drain*|down*) [ "$i" = 10 ] && scontrol update nodename="$host" state=resume >&2 || true ;;  # left by an older config
  esac
  sleep 1
done
case "$state" in
  idle*|mixed*|allocated*) log "node $host is $state (CPUs=$cpus, RealMemory=${mem} MB, stand-in GPUs=$gpus)" ;;
  *) log "the node did not come up (state '${state:-none}'); logs in $dir/log"; tail -n 20 "$dir"/log/*.log >&2; exit 1 ;;
esac
