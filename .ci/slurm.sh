#!/usr/bin/env bash
# A real single-node Slurm (munge, slurmctld, slurmd) for the end-to-end test of the job-array
# scripts in examples/slurm/ (tests/slurm/run.sh). Written for a fresh Debian 12 CI machine
# without systemd; run as root.
#
#   .ci/slurm.sh start    install the packages if missing, configure, start the daemons, and wait
#                         until the node takes jobs; after SLURM_CI_TIMEOUT seconds (default 60)
#                         print the daemons' logs and exit 1
#   .ci/slurm.sh status   sinfo and squeue
#   .ci/slurm.sh logs     the end of each daemon's log
#   .ci/slurm.sh stop     cancel every job and stop the daemons; does nothing when they are down
#   .ci/slurm.sh purge    stop, then remove the configuration, the state and the Slurm logs
#
# Environment: SLURM_CI_DIR (state, spool, pid and log files; default /var/tmp/secsim-slurm),
# SLURM_CI_CPUS (CPUs the node advertises; default nproc but at least 4), SLURM_CI_TIMEOUT.
#
# Measured on a 2-core Debian 12 VM (slurm-wlm 22.05.8, munge 0.5.15): cold start, apt included,
# 22-32 s depending on the mirror; 1 s once the packages are installed. The first job after a
# start waits about 3 s for the first scheduling pass. What a job sees on this cluster:
# - jobs run as root, in the directory sbatch was called from, with the submitter's environment;
#   give sbatch `-o /absolute/path/%A_%a.log` or the logs land in that directory;
# - `sbatch --wait` exits with the highest exit code of the array's tasks;
# - there is no accounting database, so no sacct; `scontrol show job` keeps finished jobs for
#   MinJobAge (300 s).
# Harmless log lines: "can not load PMIx library", missing state files on the first start,
# munged's "Unauthorized credential for client UID=0".
set -euo pipefail

state_dir=${SLURM_CI_DIR:-/var/tmp/secsim-slurm}
timeout_seconds=${SLURM_CI_TIMEOUT:-60}
slurm_conf=/etc/slurm/slurm.conf
munge_pid_file=/run/munge/munged.pid
munge_log_file=/var/log/munge/munged.log
node_name=$(hostname -s)
# The first line of the configuration this script writes; any other slurm.conf is left alone.
conf_marker="# Written by secsim .ci/slurm.sh for a single-node test cluster; purge removes it."

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
        command -v sbatch >/dev/null && command -v munged >/dev/null; then
        return 0
    fi
    echo "slurm: installing munge and slurm-wlm (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    # Without systemd the packages' scripts would try to start the daemons with our config not
    # written yet; a policy-rc.d that answers 101 ("action forbidden") stops them. It is removed
    # afterwards even when apt fails, or it would keep blocking every service on the machine.
    local policy=/usr/sbin/policy-rc.d own_policy="" apt_status=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        own_policy=1
    fi
    mkdir -p "$state_dir"
    local apt_log=$state_dir/apt.log
    {
        apt-get update -q &&
            apt-get install -y -q --no-install-recommends \
                munge slurmctld slurmd slurm-client
    } >"$apt_log" 2>&1 || apt_status=$?
    if [ -n "$own_policy" ]; then rm -f "$policy"; fi
    if [ "$apt_status" -ne 0 ]; then
        tail -n 30 "$apt_log" >&2
        echo "slurm: apt-get failed (exit $apt_status), log in $apt_log" >&2
        return 1
    fi
}

write_config() {
    if [ -e "$slurm_conf" ] && [ "$(head -n 1 "$slurm_conf")" != "$conf_marker" ]; then
        echo "slurm: $slurm_conf exists and was not written by this script; not touching it" >&2
        return 1
    fi
    mkdir -p /etc/slurm "$state_dir/state" "$state_dir/spool"
    local cpus
    cpus=${SLURM_CI_CPUS:-$(nproc)}
    # At least 4, so that the test's 4-task array runs at once on a 2-core machine: the tasks
    # are small and slurmd accepts a count above the hardware's (config_overrides below).
    if [ -z "${SLURM_CI_CPUS:-}" ] && [ "$cpus" -lt 4 ]; then cpus=4; fi
    # The machine's memory, not a token figure: the example scripts ask --mem=512M and --mem=1G,
    # and Slurm rejects a job asking more than the node's RealMemory even though memory is not
    # a consumable resource here (CR_Core).
    local memory_mb
    memory_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
    cat >"$slurm_conf" <<CONF
$conf_marker
ClusterName=secsim-ci
SlurmctldHost=${node_name}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$state_dir/state
SlurmdSpoolDir=$state_dir/spool
SlurmctldPidFile=$state_dir/slurmctld.pid
SlurmdPidFile=$state_dir/slurmd.pid
SlurmctldLogFile=$state_dir/slurmctld.log
SlurmdLogFile=$state_dir/slurmd.log
# No cgroups (no systemd to delegate them) and no accounting database.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# A node that was down comes back by itself once slurmd registers.
ReturnToService=2
MinJobAge=300
KillWait=5
InactiveLimit=0
MailProg=/bin/true
# Schedule as soon as a job arrives rather than on the next periodic pass.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
# Trust this file over what slurmd detects, so the node is not drained for CPUs=4 on 2 cores.
SlurmdParameters=config_overrides
NodeName=${node_name} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memory_mb} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
}

# Whether process $1 is alive, from /proc: PID 1 on these machines reaps daemonised parents late,
# so a zombie must count as dead.
process_running() {
    local process_state
    process_state=$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null) &&
        [ -n "$process_state" ] && [ "$process_state" != Z ]
}

# Whether the daemon whose pid file is $1 is alive.
daemon_running() {
    [ -s "$1" ] && process_running "$(cat "$1")"
}

print_logs() {
    local log_file
    for log_file in "$state_dir/slurmctld.log" "$state_dir/slurmd.log" "$munge_log_file"; do
        echo "--- $log_file (last ${SLURM_CI_LOG_LINES:-40} lines)"
        tail -n "${SLURM_CI_LOG_LINES:-40}" "$log_file" 2>/dev/null || echo "(no log)"
    done
}

# Prints $1, the node's state and the daemons' logs to stderr, and fails.
start_failed() {
    {
        echo "slurm: $1"
        echo "--- sinfo"
        sinfo -N -l 2>&1 || true
        sinfo -R 2>&1 || true
        print_logs
        echo "slurm: did not come up; '.ci/slurm.sh stop' stops what did start"
    } >&2
    return 1
}

start() {
    local started_at=$SECONDS
    install_packages
    write_config
    [ -s /etc/munge/munge.key ] || runuser -u munge -- mungekey --create
    install -d -o munge -g munge -m 0755 /run/munge
    daemon_running "$munge_pid_file" || runuser -u munge -- /usr/sbin/munged
    if ! munge -n | unmunge >/dev/null; then
        start_failed "munge does not answer (munge -n | unmunge)"
    fi
    # -c: start without the jobs of an earlier, perhaps unclean, session.
    daemon_running "$state_dir/slurmctld.pid" || slurmctld -c
    daemon_running "$state_dir/slurmd.pid" || slurmd -N "$node_name"

    local node_state=""
    while [ $((SECONDS - started_at)) -lt "$timeout_seconds" ]; do
        node_state=$(sinfo -h -n "$node_name" -o %T 2>/dev/null || true)
        # A trailing * means the controller does not hear from slurmd yet: not up.
        case "$node_state" in
        idle | mixed | allocated)
            echo "slurm: up in $((SECONDS - started_at)) s, node $node_name $node_state"
            return 0
            ;;
        esac
        local daemon
        for daemon in slurmctld slurmd; do
            if ! daemon_running "$state_dir/$daemon.pid"; then
                # The pid file is written once the daemon has detached; give it a moment.
                sleep 1
                daemon_running "$state_dir/$daemon.pid" || start_failed "$daemon is not running"
            fi
        done
        sleep 0.5
    done
    start_failed "node $node_name not idle after $timeout_seconds s (state '${node_state:-none}')"
}

status() {
    sinfo
    squeue
}

stop() {
    if daemon_running "$state_dir/slurmctld.pid"; then
        local job_ids
        job_ids=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
        if [ -n "${job_ids// /}" ]; then
            # shellcheck disable=SC2086 # one argument per job id
            scancel $job_ids 2>/dev/null || true
            # Let slurmd see its job steps out (KillWait=5) before it is stopped itself.
            local waited=0
            while [ -n "$(squeue -h -o %A 2>/dev/null)" ] && [ "$waited" -lt 20 ]; do
                sleep 0.5
                waited=$((waited + 1))
            done
        fi
    fi
    local pid_file pid
    for pid_file in "$state_dir/slurmd.pid" "$state_dir/slurmctld.pid" "$munge_pid_file"; do
        if daemon_running "$pid_file"; then
            pid=$(cat "$pid_file")
            kill -TERM "$pid"
            for _ in $(seq 1 50); do
                process_running "$pid" || break
                sleep 0.2
            done
            if process_running "$pid"; then kill -KILL "$pid"; fi
        fi
    done
    echo "slurm: stopped"
}

purge() {
    stop
    if [ -e "$slurm_conf" ] && [ "$(head -n 1 "$slurm_conf")" = "$conf_marker" ]; then
        rm -f "$slurm_conf"
    fi
    rm -rf "$state_dir"
}

case "${1:-}" in
start) start ;;
status) status ;;
logs) print_logs ;;
stop) stop ;;
purge) purge ;;
*)
    echo "usage: $0 start|status|logs|stop|purge" >&2
    exit 2
    ;;
esac
