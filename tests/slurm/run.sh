#!/usr/bin/env bash
# End-to-end test of the job-array scripts in examples/slurm/ on a real single-node Slurm
# (.ci/slurm.sh): a run split over a 4-task array and merged, the same with one task cancelled
# and resubmitted alone, and a batch experiment over a 3-task array. Every merge must give the
# bytes of the single-process command (manifest.json aside: it holds timestamps).
#
#   bash tests/slurm/run.sh     from anywhere, as root on Debian 12; see tests/slurm/README.md
#
# The Slurm daemons are stopped when the test ends, whether it passes or fails. On a failure it
# prints the step, the failing command, the tasks' logs and the daemons' logs, keeps its work
# folder, and exits non-zero. SLURM_TEST_JOB_TIMEOUT bounds the wait for each array (default
# 120 s); .ci/slurm.sh's SLURM_CI_TIMEOUT bounds the wait for the cluster.
set -Eeuo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo_root"

# The data and sizes of tests/it/examples.rs, which drives the same scripts without Slurm.
scenario=$repo_root/tests/data/small.ron
n_runs=4500
seed=11
n_shards=4
dead_shard=3
experiment=$repo_root/tests/data/batch/grid.ron
n_batch_shards=3
run_array_script=$repo_root/examples/slurm/secsim-array.sbatch
batch_array_script=$repo_root/examples/slurm/secsim-batch-array.sbatch
job_timeout_seconds=${SLURM_TEST_JOB_TIMEOUT:-120}

step="setup"
failed_command=""
work_dir=""
slurm_started=""
slurm_up=""
timings=()

now() { date +%s.%N; }
seconds_since() { awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.1f", end - start }'; }

# Records the command that failed, for the report; -E makes functions inherit this trap.
trap 'failed_command="line $LINENO: $BASH_COMMAND"' ERR

finish() {
    local status=$?
    trap - EXIT ERR
    if [ "$status" -ne 0 ]; then
        {
            echo
            echo "FAIL tests/slurm/run.sh: $step"
            if [ -n "$failed_command" ]; then echo "  failed command: $failed_command"; fi
            if [ -n "$work_dir" ] && [ -d "$work_dir/logs" ]; then
                local log_file
                for log_file in "$work_dir"/logs/*.log; do
                    [ -e "$log_file" ] || continue
                    echo "--- task log $log_file"
                    cat "$log_file"
                done
            fi
            # A failed start has printed the daemons' logs already.
            if [ -n "$slurm_up" ]; then
                echo "--- squeue"
                squeue 2>&1 || true
                bash .ci/slurm.sh logs 2>&1 || true
            fi
        } >&2
    fi
    if [ -n "$slurm_started" ]; then
        bash .ci/slurm.sh stop || echo "warning: .ci/slurm.sh stop failed" >&2
    fi
    if [ -n "$work_dir" ]; then
        if [ "$status" -eq 0 ]; then
            rm -rf "$work_dir"
        else
            echo "work folder kept: $work_dir" >&2
        fi
    fi
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    failed_command=""
    echo "error: $*" >&2
    exit 1
}

# Submits an array and waits for all its tasks: sbatch ARGS..., bounded by job_timeout_seconds.
# Prints the job id. Fails when a task fails (sbatch --wait exits with the highest exit code).
submit_and_wait() {
    local job_id status=0
    job_id=$(timeout "$job_timeout_seconds" sbatch --parsable --wait \
        -o "$work_dir/logs/%A_%a.log" "$@") || status=$?
    if [ "$status" -eq 124 ]; then
        fail "array not finished after $job_timeout_seconds s: sbatch $*"
    elif [ "$status" -ne 0 ]; then
        fail "a task of array ${job_id:-?} failed (sbatch --wait exit $status): sbatch $*"
    fi
    echo "$job_id"
}

# Waits until job $1 (all its array tasks) has left the queue, bounded by job_timeout_seconds.
wait_for_job() {
    local started_at=$SECONDS
    while [ -n "$(squeue -h -j "$1" 2>/dev/null)" ]; do
        if [ $((SECONDS - started_at)) -ge "$job_timeout_seconds" ]; then
            fail "job $1 still queued or running after $job_timeout_seconds s"
        fi
        sleep 0.5
    done
}

# Asserts that folder $1 holds part-1 to part-$2, except part-$3 (if given), which must be absent.
expect_parts() {
    local out=$1 n_parts=$2 missing_shard=${3:-0} shard
    for shard in $(seq 1 "$n_parts"); do
        if [ "$shard" -eq "$missing_shard" ]; then
            [ ! -e "$out/part-$shard" ] || fail "$out/part-$shard exists, expected missing"
        else
            [ -f "$out/part-$shard/part.json" ] || fail "$out/part-$shard/part.json missing"
        fi
    done
}

# Asserts that results folders $1 (single process) and $2 (merged) hold the same files with the
# same bytes, manifest.json aside, and that the files named after them are among them.
expect_same_results() {
    local single=$1 merged=$2 file
    shift 2
    for file in "$@"; do
        [ -s "$single/$file" ] || fail "$single/$file missing or empty"
    done
    diff -r -q -x manifest.json "$single" "$merged" >&2 ||
        fail "merged results $merged differ from single-process results $single"
}

step_started_at=""
begin_step() {
    step=$1
    step_started_at=$(now)
    echo "== $step"
}
end_step() {
    timings+=("$(printf '%-58s %5s s' "$step" "$(seconds_since "$step_started_at")")")
}

test_started_at=$(now)
[ "$(id -u)" -eq 0 ] || fail "run as root: the test installs Debian packages and runs Slurm daemons"

begin_step "build (cargo build --release --bin secsim, unless \$SECSIM names a binary)"
# .ci/run passes the binary `cargo test --release` just built: building the binary alone would
# resolve features without the dev-dependencies and compile the crate again.
if [ -z "${SECSIM:-}" ]; then
    cargo build --release --bin secsim --quiet
    SECSIM=$repo_root/target/release/secsim
fi
[ -x "$SECSIM" ] || fail "SECSIM=$SECSIM is not an executable"
export SECSIM
# An override from the caller's shell would change the shard count the scripts use.
unset SECSIM_SHARDS
end_step

begin_step "start Slurm (.ci/slurm.sh start)"
slurm_started=1 # before the start: a half-started cluster must be stopped too
bash .ci/slurm.sh start
slurm_up=1
end_step

work_dir=$(mktemp -d /tmp/secsim-slurm-test.XXXXXX)
mkdir "$work_dir/logs"

begin_step "single-process run"
"$SECSIM" run "$scenario" --runs "$n_runs" --seed "$seed" --no-charts --quiet \
    --out "$work_dir/single" >/dev/null
end_step

begin_step "run over a $n_shards-task array, merge"
out=$work_dir/array
job_id=$(submit_and_wait --array=1-"$n_shards" "$run_array_script" \
    "$scenario" "$n_runs" "$seed" "$out")
echo "array job $job_id done"
expect_parts "$out" "$n_shards"
[ "$(cat "$out/shards")" = "$n_shards" ] || fail "$out/shards holds '$(cat "$out/shards")'"
"$SECSIM" merge "$out"/part-* --no-charts --out "$out/merged" >/dev/null
expect_same_results "$work_dir/single" "$out/merged" summary.json timeseries.csv outcomes.csv
end_step

begin_step "task $dead_shard cancelled, merge refused, task resubmitted alone"
out=$work_dir/dead_shard
args=("$scenario" "$n_runs" "$seed" "$out")
# Held at submission, so the task is cancelled for certain before it runs; the others then run.
job_id=$(sbatch --parsable --hold --array=1-"$n_shards" -o "$work_dir/logs/%A_%a.log" \
    "$run_array_script" "${args[@]}")
scancel "${job_id}_$dead_shard"
scontrol release "$job_id"
wait_for_job "$job_id"
echo "array job $job_id done without task $dead_shard"
expect_parts "$out" "$n_shards" "$dead_shard"
merge_status=0
"$SECSIM" merge "$out"/part-* --no-charts --out "$out/merged" \
    >/dev/null 2>"$work_dir/refused_merge.txt" || merge_status=$?
cat "$work_dir/refused_merge.txt"
[ "$merge_status" -eq 2 ] || fail "merge without part $dead_shard exited $merge_status, not 2"
grep -q "missing shard $dead_shard of $n_shards" "$work_dir/refused_merge.txt" ||
    fail "merge without part $dead_shard does not say 'missing shard $dead_shard of $n_shards'"
[ ! -e "$out/merged" ] || fail "refused merge still wrote $out/merged"
echo "merge refused as expected (exit 2)"
job_id=$(submit_and_wait --array="$dead_shard" "$run_array_script" "${args[@]}")
echo "task $dead_shard resubmitted as job $job_id, done"
grep -q '"shards": '"$n_shards" "$out/part-$dead_shard/part.json" ||
    fail "resubmitted task $dead_shard did not run shard $dead_shard of $n_shards"
"$SECSIM" merge "$out"/part-* --no-charts --out "$out/merged" >/dev/null
expect_same_results "$work_dir/single" "$out/merged" summary.json timeseries.csv outcomes.csv
end_step

begin_step "batch over a $n_batch_shards-task array, merge"
"$SECSIM" batch "$experiment" --no-charts --quiet --out "$work_dir/single_batch" >/dev/null
out=$work_dir/batch_array
job_id=$(submit_and_wait --array=1-"$n_batch_shards" "$batch_array_script" "$experiment" "$out")
echo "array job $job_id done"
expect_parts "$out" "$n_batch_shards"
"$SECSIM" merge "$out"/part-* --no-charts --out "$out/merged" >/dev/null
expect_same_results "$work_dir/single_batch" "$out/merged" experiments.csv runs.csv
end_step

step="stop Slurm"
echo
echo "PASS tests/slurm/run.sh in $(seconds_since "$test_started_at") s (Slurm stopped next)"
printf '  %s\n' "${timings[@]}"
