#!/usr/bin/env bash
# Test of examples/parallel/secsim-parallel.sh with GNU parallel: a run split into 3 shards run
# by parallel and merged must give the bytes of the single-process run (summary.json,
# timeseries.csv, outcomes.csv; the merge draws charts, the single run does not).
#
#   bash tests/parallel/run.sh     from anywhere; needs GNU parallel (apt-get install parallel)
#
# Outside `cargo test` because it needs a program beyond the Rust toolchain; .ci/run installs
# GNU parallel and runs it after `cargo test --release`, with SECSIM naming the binary that
# built. Without SECSIM it builds target/release/secsim. The data and sizes are those of the
# Slurm tests (tests/it/examples.rs, tests/slurm/run.sh).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scenario=$repo_root/tests/data/small.ron
n_runs=4500
seed=11
n_shards=3

fail() {
    echo "FAIL tests/parallel/run.sh: $*" >&2
    exit 1
}

command -v parallel >/dev/null ||
    fail "GNU parallel is needed for this test (.ci/run installs it: apt-get install parallel)"
parallel --version >/dev/null 2>&1 || fail "parallel --version failed: is it GNU parallel?"

if [ -z "${SECSIM:-}" ]; then
    cargo build --release --bin secsim --quiet --manifest-path "$repo_root/Cargo.toml"
    SECSIM=$repo_root/target/release/secsim
fi
[ -x "$SECSIM" ] || fail "SECSIM=$SECSIM is not an executable"
export SECSIM

work_dir=$(mktemp -d /tmp/secsim-parallel-test.XXXXXX)
cleanup() {
    local status=$?
    if [ "$status" -eq 0 ]; then
        rm -rf "$work_dir"
    else
        echo "work folder kept: $work_dir" >&2
    fi
}
trap cleanup EXIT
cd "$work_dir"

echo "== single-process run"
"$SECSIM" run "$scenario" --runs "$n_runs" --seed "$seed" --no-charts --quiet \
    --out "$work_dir/single" >/dev/null ||
    fail "secsim run exited $?"

echo "== examples/parallel/secsim-parallel.sh, $n_shards shards"
bash "$repo_root/examples/parallel/secsim-parallel.sh" \
    "$scenario" "$n_runs" "$seed" "$n_shards" "$work_dir/sharded" ||
    fail "examples/parallel/secsim-parallel.sh exited $?"

for file in summary.json timeseries.csv outcomes.csv; do
    [ -s "$work_dir/single/$file" ] || fail "single/$file missing or empty"
    cmp "$work_dir/single/$file" "$work_dir/sharded/merged/$file" >&2 || fail "$file differs"
done
echo "PASS tests/parallel/run.sh"
