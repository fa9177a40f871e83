#!/bin/bash
# A secsim run split into shards on one machine (or several, with parallel's --sshlogin),
# with GNU parallel, then merged:
#
#   examples/parallel/secsim-parallel.sh SCENARIO RUNS SEED SHARDS OUTDIR
#
# The heart of it is one line (the parallel command below); the merged folder OUTDIR/merged is
# byte-identical to `secsim run SCENARIO --runs RUNS --seed SEED` (manifest.json aside).
# The secsim binary is $SECSIM if set, else `secsim` on PATH.
set -euo pipefail

if [ "$#" -ne 5 ]; then
    echo "usage: $0 SCENARIO RUNS SEED SHARDS OUTDIR" >&2
    exit 2
fi
scenario=$1
runs=$2
seed=$3
shards=$4
outdir=$5
secsim=${SECSIM:-secsim}

mkdir -p "$outdir"

parallel --halt now,fail=1 "$secsim" run "$scenario" --runs "$runs" --seed "$seed" \
    --shard {}/"$shards" --threads 1 --quiet --out "$outdir"/part-{} ::: $(seq 1 "$shards")
"$secsim" merge "$outdir"/part-* --out "$outdir/merged"
