#!/bin/sh
# Fills the fuzz corpus of `parse_validate_run` with every shipped scenario, every bad input, the
# test scenarios and past findings: valid files teach the fuzzer the format, broken ones the
# error paths. Run from anywhere; the corpus folder is not committed (see fuzz/.gitignore).
set -eu
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$fuzz_dir")
corpus="$fuzz_dir/corpus/parse_validate_run"
mkdir -p "$corpus"
for file in "$repo"/scenarios/*.ron "$repo"/tests/bad/*.ron "$repo"/tests/data/*.ron \
    "$repo"/tests/data/regressions/*.ron; do
    [ -f "$file" ] || continue
    # Prefixed by origin, so that tests/bad/empty.ron and scenarios/... cannot collide.
    origin=$(basename "$(dirname "$file")")
    cp "$file" "$corpus/${origin}_$(basename "$file")"
done
echo "$(ls "$corpus" | wc -l) files in $corpus"
