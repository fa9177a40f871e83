#!/usr/bin/env bash
# Disk failures, on small tmpfs file systems mounted for the test: a disk that fills up mid-run
# and a read-only destination each give exit code 2 and a clear error naming the mount point
# and the system's reason ("No space left on device", "Read-only file system"); the full disk
# is left with neither results nor staging files.
#
#   bash tests/disk/run.sh     from anywhere, as root (mount -t tmpfs)
#
# Outside `cargo test` because mounting needs root and the mount capability, which a developer's
# machine or a container may not give; .ci/run (root) runs it after `cargo test --release`, with
# SECSIM naming the binary that built. Without SECSIM it builds target/release/secsim. The rest
# of the all-or-nothing tests (killed runs, missing folders, another scenario's results) are in
# tests/it/atomic.rs.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scenario=$repo_root/scenarios/niger_realignment.ron

fail() {
    echo "FAIL tests/disk/run.sh: $*" >&2
    exit 1
}

if [ -z "${SECSIM:-}" ]; then
    cargo build --release --bin secsim --quiet --manifest-path "$repo_root/Cargo.toml"
    SECSIM=$repo_root/target/release/secsim
fi
[ -x "$SECSIM" ] || fail "SECSIM=$SECSIM is not an executable"

work_dir=$(mktemp -d /tmp/secsim-disk-test.XXXXXX)
mounts=()
cleanup() {
    local status=$? point
    for point in "${mounts[@]}"; do
        umount "$point" || echo "warning: umount $point failed" >&2
    done
    if [ "$status" -eq 0 ]; then
        rm -rf "$work_dir"
    else
        echo "work folder kept: $work_dir" >&2
    fi
}
trap cleanup EXIT
cd "$work_dir"

# Mounts a tmpfs with options $2 at the new folder $1.
mount_tmpfs() {
    mkdir -p "$1"
    mount -t tmpfs -o "$2" tmpfs "$1" ||
        fail "mount -t tmpfs -o $2 failed: this test needs root (CI runs as root)"
    mounts+=("$1")
}

# Asserts that file $1 contains the text $2.
expect_in() {
    grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks '$2':"$'\n'"$(cat "$1")"
}

echo "== a disk that fills up mid-run is a clear error and leaves nothing"
point=$work_dir/small
mount_tmpfs "$point" size=512k
status=0
"$SECSIM" run "$scenario" --runs 20000 --quiet --out "$point/out" \
    >/dev/null 2>"$work_dir/full.stderr" || status=$?
[ "$status" -eq 2 ] || fail "exit $status, not 2: $(cat "$work_dir/full.stderr")"
expect_in "$work_dir/full.stderr" "No space left on device"
expect_in "$work_dir/full.stderr" "$point"
[ ! -e "$point/out" ] || fail "$point/out exists"
left=$(ls -A "$point")
[ -z "$left" ] || fail "left behind on the full disk: $left"

echo "== a read-only destination is a clear error"
point=$work_dir/readonly
mount_tmpfs "$point" ro,size=64k
status=0
"$SECSIM" run "$scenario" --runs 100 --quiet --out "$point/out" \
    >/dev/null 2>"$work_dir/readonly.stderr" || status=$?
[ "$status" -eq 2 ] || fail "exit $status, not 2: $(cat "$work_dir/readonly.stderr")"
expect_in "$work_dir/readonly.stderr" "Read-only file system"
expect_in "$work_dir/readonly.stderr" "$point"

echo "PASS tests/disk/run.sh"
