#!/usr/bin/env bash
# Screenshots of the four reports (run, compare, batch, sensitivity) in headless Chromium, to
# look at what a policy reader sees before a release. Needs chromium (Debian: apt-get install
# chromium). Usage: scripts/report_screenshots.sh [OUT_DIR]   (default: output/screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-output/screenshots}"
mkdir -p "$out"
cargo build --release --quiet
secsim=target/release/secsim
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$secsim" run scenarios/niger_realignment.ron --runs 2000 --out "$work/run" --quiet >/dev/null
"$secsim" compare scenarios/niger_baseline.ron scenarios/niger_realignment.ron \
    scenarios/niger_realignment_western_surge.ron --runs 2000 --out "$work/compare" --quiet >/dev/null
"$secsim" batch examples/niger_sweep.ron --out "$work/batch" --quiet >/dev/null
"$secsim" sensitivity scenarios/niger_realignment.ron --method morris --samples 10 --runs 50 \
    --out "$work/sensitivity" --quiet >/dev/null
for report in run compare batch sensitivity; do
    # Flags that keep Chromium from reaching out to the network on a closed machine.
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/chromium-$report" --window-size=1280,2400 \
        --screenshot="$out/$report.png" "file://$(realpath "$work/$report/report.html")" \
        >/dev/null 2>&1
    echo "$out/$report.png"
done
