#!/usr/bin/env bash
# libm independence (issue 17): secsim's results must not depend on which libm the machine
# provides. This builds tests/preload/ (a shared library exporting the `libm` crate's exp, log,
# pow, exp2, log10, sin, hypot, ... under the C names), then runs every shipped scenario
# (scenarios/*.ron) twice, without and with that library in LD_PRELOAD, and requires
# byte-identical summary.json, timeseries.csv and outcomes.csv (manifest.json aside: it holds
# timestamps).
#
#   bash tests/preload/run.sh                  from anywhere; see tests/preload/README.md
#   SECSIM=/path/to/secsim bash tests/preload/run.sh
#
# Before comparing, it checks that the preload takes effect: with LD_BIND_NOW=1 and
# LD_DEBUG=bindings the dynamic linker reports every symbol of the binary it binds to the
# preloaded library. It fails if the binary imports libm functions and none of them binds there
# (the comparison would prove nothing). A binary that imports none (statically linked, or a
# model with its own math) passes trivially, and the script says so.
#
# Exits 0 when every file is identical, 1 on any difference or failure. On a failure it keeps
# its work folder and prints its path. Environment: SECSIM (default target/release/secsim),
# PRELOAD_TEST_RUNS (2000), PRELOAD_TEST_SEED (2025), PRELOAD_TEST_THREADS (2).
set -Eeuo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo_root"

secsim=${SECSIM:-$repo_root/target/release/secsim}
n_runs=${PRELOAD_TEST_RUNS:-2000}
seed=${PRELOAD_TEST_SEED:-2025}
n_threads=${PRELOAD_TEST_THREADS:-2}
preload_manifest=$repo_root/tests/preload/Cargo.toml
# Explicit, so that a CARGO_TARGET_DIR in the environment does not move the library.
preload_target_dir=$repo_root/tests/preload/target
preload_library=$preload_target_dir/release/liblibm_preload.so
compared_files=(summary.json timeseries.csv outcomes.csv)

step="setup"
failed_command=""
work_dir=""

now() { date +%s.%N; }
seconds_since() { awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.1f", end - start }'; }
started=$(now)

# Records the command that failed, for the report; -E makes functions inherit this trap.
trap 'failed_command="line $LINENO: $BASH_COMMAND"' ERR

finish() {
    local status=$?
    trap - EXIT ERR
    if [ "$status" -ne 0 ]; then
        {
            echo
            echo "FAIL tests/preload/run.sh: $step"
            if [ -n "$failed_command" ]; then echo "  failed command: $failed_command"; fi
            if [ -n "$work_dir" ]; then echo "  work folder kept: $work_dir"; fi
        } >&2
    elif [ -n "$work_dir" ]; then
        rm -rf "$work_dir"
    fi
    exit "$status"
}
trap finish EXIT

if [ ! -x "$secsim" ]; then
    step="find the binary"
    echo "no executable secsim at $secsim: build it with \`cargo build --release\` or set SECSIM" >&2
    exit 1
fi
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/secsim-preload.XXXXXX")
# Every run uses a private copy: a `cargo build` elsewhere that replaces target/release/secsim
# between the two runs of a scenario would otherwise show up as a difference.
cp "$secsim" "$work_dir/secsim"
echo "secsim:  $secsim (sha256 $(sha256sum "$work_dir/secsim" | cut -c1-16), run from a copy)"
secsim=$work_dir/secsim
echo "plan:    every scenarios/*.ron, --runs $n_runs --seed $seed --threads $n_threads --no-charts"

# 1. The library.
step="build the preload library"
cargo build --release --locked --quiet --manifest-path "$preload_manifest" \
    --target-dir "$preload_target_dir"
echo "library: $preload_library"

# 2. Does the preload take effect? Symbols the library exports, libm symbols the binary imports,
# and the bindings the dynamic linker makes.
step="check that the preload takes effect"
defined_symbols() { nm -D --defined-only "$1" 2>/dev/null | awk '{ print $NF }' | sed 's/@.*//' | sort -u; }
exported=$(defined_symbols "$preload_library")
imported=$(nm -D --undefined-only "$secsim" 2>/dev/null | awk '{ print $NF }' | sed 's/@.*//' | sort -u || true)
system_libm=$(ldd "$secsim" 2>/dev/null | awk '$1 ~ /^libm\.so/ { print $3 }' || true)
if [ -n "$system_libm" ]; then
    imported_from_libm=$(comm -12 <(echo "$imported") <(defined_symbols "$system_libm"))
else
    imported_from_libm=""
fi
replaced=$(comm -12 <(echo "$imported") <(echo "$exported") | paste -sd' ' -)
not_replaced=$(comm -23 <(echo "$imported_from_libm") <(echo "$exported") | paste -sd' ' -)
bound=$(LD_BIND_NOW=1 LD_DEBUG=bindings LD_PRELOAD="$preload_library" "$secsim" --version 2>&1 >/dev/null \
    | grep -F "binding file $secsim " | grep -F " to $preload_library " \
    | sed -n "s/.*symbol \`\\([^']*\\)'.*/\\1/p" | sort -u | paste -sd' ' - || true)

echo "system libm:               ${system_libm:-(none linked)}"
echo "imported from libm:        $(echo "$imported_from_libm" | paste -sd' ' -)"
echo "imported and preloadable:  ${replaced:-(none)}"
echo "bound to the preload:      ${bound:-(none reported)}"
if [ -n "$not_replaced" ]; then
    # Functions such as sqrt, fma, floor or fmod are exact in every libm; anything else here is
    # a gap in the test: add it to tests/preload/src/lib.rs.
    echo "NOTE libm functions the preload does not replace: $not_replaced"
fi
trivial=""
if [ -z "$replaced" ]; then
    trivial=yes
    echo "INFO the binary imports none of the preloaded functions (statically linked, or no libm" \
        "calls): preloading cannot change anything, so this test passes trivially"
elif [ -z "$bound" ]; then
    echo "the binary imports ${replaced} but the dynamic linker bound none of them to the" \
        "preloaded library (LD_DEBUG=bindings reported nothing: not glibc's loader?)" >&2
    exit 1
fi

# Informational: how often the two libms disagree at all, on arguments of the model's range.
if command -v python3 >/dev/null 2>&1 && [ -n "$system_libm" ]; then
    python3 - "$system_libm" "$preload_library" <<'EOF' || echo "(libm comparison skipped: python3 failed)"
import ctypes, random, struct, sys
system, preload = ctypes.CDLL(sys.argv[1]), ctypes.CDLL(sys.argv[2])
rng = random.Random(17)
def bits(x): return struct.pack("<d", x)
cases = {
    "exp": (1, lambda: rng.uniform(-20, 20)),
    "log": (1, lambda: rng.uniform(1e-6, 1e4)),
    "pow": (2, lambda: rng.uniform(1e-3, 100) if rng.random() < 0.5 else rng.uniform(-3, 3)),
    "exp2": (1, lambda: rng.uniform(-30, 30)),
    "log10": (1, lambda: rng.uniform(1e-6, 1e4)),
    "sin": (1, lambda: rng.uniform(-10, 10)),
    "hypot": (2, lambda: rng.uniform(-100, 100)),
}
n = 20000
report = []
for name, (arity, draw) in cases.items():
    f, g = getattr(system, name), getattr(preload, name)
    for h in (f, g):
        h.restype, h.argtypes = ctypes.c_double, [ctypes.c_double] * arity
    differ = sum(bits(f(*a)) != bits(g(*a)) for a in ([draw() for _ in range(arity)] for _ in range(n)))
    report.append(f"{name} {differ}")
print(f"libms differ (of {n} random arguments each): " + ", ".join(report))
EOF
fi

# 3. Every shipped scenario, without and with the preload.
# Describes how two CSV files differ: data rows differing (paired by line number), per column,
# and the first differing row's fields, both versions.
describe_csv_difference() {
    awk -F, '
        NR == FNR { line[FNR] = $0; n_first = FNR; next }
        FNR == 1 { n_columns = split($0, column_name, ","); header_differs = (line[1] != $0); next }
        {
            n_second = FNR
            if ((FNR in line) && line[FNR] == $0) next
            differ++
            n_old = split(line[FNR], old, ",")
            for (i = 1; i <= (NF > n_old ? NF : n_old); i++) {
                if (old[i] == $i) continue
                name = (i <= n_columns) ? column_name[i] : ("column " i)
                if (!(name in per_column)) order[++n_names] = name
                per_column[name]++
                if (differ == 1 && n_shown < 3) {
                    first = first sprintf("%s %s %s without, %s with", n_shown ? ";" : ("\n      first at line " FNR ":"), name, old[i], $i)
                    n_shown++
                }
            }
        }
        END {
            n = (n_first > n_second ? n_first : n_second) - 1
            differ += (n_first > n_second ? n_first - n_second : 0)
            printf "%d of %d data rows differ%s", differ, n, header_differs ? " (and the header)" : ""
            if (n_names > 0) {
                printf "; by column:"
                for (k = 1; k <= n_names; k++) printf " %s %d%s", order[k], per_column[order[k]], k < n_names ? "," : ""
            }
            printf "%s\n", first
        }' "$1" "$2"
}
# Describes how two text files differ: lines differing (paired by number) and the first one.
describe_text_difference() {
    awk '
        NR == FNR { line[FNR] = $0; n_first = FNR; next }
        {
            n_second = FNR
            if ((FNR in line) && line[FNR] == $0) next
            if (++differ == 1) {
                without = line[FNR]; with = $0
                sub(/^[ \t]+/, "", without); sub(/^[ \t]+/, "", with)
                first = sprintf("\n      first at line %d: %s without, %s with", FNR, without, with)
            }
        }
        END {
            differ += (n_first > n_second ? n_first - n_second : 0)
            printf "%d of %d lines differ%s\n", differ, (n_first > n_second ? n_first : n_second), first
        }' "$1" "$2"
}

n_differences=0
summary_rows=()
for scenario in "$repo_root"/scenarios/*.ron; do
    name=$(basename "$scenario" .ron)
    step="run $name"
    scenario_started=$(now)
    for mode in plain preload; do
        out=$work_dir/$mode/$name
        mkdir -p "$(dirname "$out")"
        if [ "$mode" = preload ]; then preload_env=(env "LD_PRELOAD=$preload_library"); else preload_env=(env); fi
        if ! "${preload_env[@]}" "$secsim" run "$scenario" --runs "$n_runs" --seed "$seed" \
            --threads "$n_threads" --no-charts --quiet --out "$out" >"$out.log" 2>&1; then
            echo "secsim run failed on $name ($mode); its output:" >&2
            cat "$out.log" >&2
            exit 1
        fi
    done
    step="compare $name"
    scenario_result="identical"
    details=()
    for file in "${compared_files[@]}"; do
        without=$work_dir/plain/$name/$file
        with=$work_dir/preload/$name/$file
        if cmp -s "$without" "$with"; then continue; fi
        n_differences=$((n_differences + 1))
        scenario_result="DIFFERS"
        case "$file" in
            *.csv) details+=("    $file: $(describe_csv_difference "$without" "$with")") ;;
            *) details+=("    $file: $(describe_text_difference "$without" "$with")") ;;
        esac
    done
    printf '%-34s %-9s (%ss)\n' "$name" "$scenario_result" "$(seconds_since "$scenario_started")"
    if [ "${#details[@]}" -gt 0 ]; then printf '%s\n' "${details[@]}"; fi
    summary_rows+=("$name $scenario_result")
done

echo
if [ "$n_differences" -gt 0 ]; then
    step="results differ with another libm"
    failed_command=""
    echo "FAIL: $n_differences file(s) differ with the libm crate preloaded; the model's results" \
        "depend on the system libm (issue 17). Total $(seconds_since "$started")s." >&2
    exit 1
fi
if [ -n "$trivial" ]; then
    echo "ok (trivially: no libm function of the binary was replaced):" \
        "$(ls "$repo_root"/scenarios/*.ron | wc -l) scenarios identical. Total $(seconds_since "$started")s."
else
    echo "ok: every scenario's ${compared_files[*]} identical with ${replaced} from the libm crate." \
        "Total $(seconds_since "$started")s."
fi
