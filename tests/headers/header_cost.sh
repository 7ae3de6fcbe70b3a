#!/usr/bin/env bash
# What each public header costs a user's build, kept under header_budget.txt:
# its preprocessed size (non-blank lines, every header) and, for the headers a
# user starts from, the compiler's CPU time to parse it (user + system seconds of
# `-fsyntax-only`, the least of 3 runs, up to 5 more while it is over budget,
# so a busy machine slows it down without failing it). The time budgets are the
# measuring machine's: they scale by how much longer than the budget's "<string>"
# line this machine takes to parse <string> (never below 1x).
#
# Usage: header_cost.sh [--measure] BUDGET_FILE INCLUDE_DIR COMPILER [FLAG...]
#   --measure prints every header's cost in the budget file's format (to write a
#   new budget from: lines x 1.1, seconds x 1.5, rounded up) and checks nothing.
set -euo pipefail

measure=0
if [[ ${1:-} == --measure ]]; then
    measure=1
    shift
fi
[[ $# -ge 3 ]] || { echo "usage: $0 [--measure] BUDGET_FILE INCLUDE_DIR COMPILER [FLAG...]" >&2; exit 2; }
budget_file=$(realpath "$1") include_dir=$2
shift 2
compiler=("$@")

cd "$include_dir"
mapfile -t headers < <(find memreg -name '*.hpp' | LC_ALL=C sort)

declare -A max_lines max_seconds
while read -r header lines seconds _; do
    [[ -z $header || $header == \#* ]] && continue
    max_lines[$header]=$lines
    max_seconds[$header]=$seconds
done < "$budget_file"

# Every header's preprocessed size, "header lines" a line, on every core (sizes do
# not depend on the load; only the timed parses below run one at a time).
sizes_of_all() {
    export -f size_of
    printf '%s\n' "${headers[@]}" | xargs -P "$(nproc)" -I{} bash -c 'size_of "$@"' _ {} "${compiler[@]}"
}
size_of() {
    local header=$1 text
    shift
    if text=$(printf '#include <%s>\n' "$header" | "$@" -std=c++20 -I. -E -x c++ - 2>/dev/null); then
        echo "$header $(grep -cv '^[[:space:]]*$' <<< "$text")"
    else
        echo "$header failed"
    fi
}

seconds_of() {  # CPU seconds of one parse, or "failed"
    local TIMEFORMAT='%U %S' timing
    if timing=$({ time printf '#include <%s>\n' "$1" |
                  "${compiler[@]}" -std=c++20 -I. -fsyntax-only -x c++ - > /dev/null 2>&1; } 2>&1); then
        awk '{ printf "%.3f", $1 + $2 }' <<< "$timing"
    else
        echo failed
    fi
}

least() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }'; }
over() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }
least_of_3() {
    local best=
    for _ in 1 2 3; do best=$(least "$(seconds_of "$1")" "$best"); done
    echo "$best"
}

# This machine against the budget's: <string>'s parse here over the budget's.
reference=${max_seconds[<string>]:-}
unset 'max_seconds[<string>]' 'max_lines[<string>]'
scale=1
if [[ $measure == 0 ]]; then
    [[ -n $reference ]] || { echo "FAIL $(basename "$budget_file") has no <string> line" >&2; exit 1; }
    here=$(least_of_3 string)
    scale=$(awk -v h="$here" -v r="$reference" 'BEGIN { s = h / r; printf "%.2f", s < 1 ? 1 : s }')
    echo "<string> parses in $here s here, $reference s in the budget: time budgets x $scale"
fi
[[ $measure == 1 ]] && printf '%-36s %7s  %s\n' "<string>" - "$(least_of_3 string)"
scaled() { awk -v b="$1" -v s="$scale" 'BEGIN { printf "%.3g", b * s }'; }

failures=0
fail() {
    echo "FAIL $*"
    failures=$((failures + 1))
}

declare -A listed size
while read -r header lines; do size[$header]=$lines; done < <(sizes_of_all)
for header in "${headers[@]}"; do
    listed[$header]=1
    lines=${size[$header]}
    if [[ $lines == failed ]]; then
        fail "$header: does not compile on its own"
        continue
    fi
    if [[ $measure == 1 ]]; then
        best=-
        [[ ${max_seconds[$header]:--} != - ]] && best=$(least_of_3 "$header")
        printf '%-36s %7d  %s\n' "$header" "$lines" "$best"
        continue
    fi
    if [[ -z ${max_lines[$header]:-} ]]; then
        fail "$header: not in $(basename "$budget_file") (give it a budget: run with --measure)"
        continue
    fi
    if ((lines > max_lines[$header])); then
        fail "$header: $lines preprocessed lines, budget ${max_lines[$header]}"
    fi
    report="$lines lines (budget ${max_lines[$header]})"
    if [[ ${max_seconds[$header]} != - ]]; then
        budget=$(scaled "${max_seconds[$header]}")
        best=
        for run in $(seq 1 8); do
            seconds=$(seconds_of "$header")
            [[ $seconds != failed ]] || break
            best=$(least "$seconds" "$best")
            ((run >= 3)) && ! over "$best" "$budget" && break
        done
        if [[ $seconds == failed ]]; then
            fail "$header: does not compile on its own"
            continue
        fi
        over "$best" "$budget" &&
            fail "$header: $best s to parse (least of $run runs), budget $budget s (${max_seconds[$header]} s x $scale)"
        report+=", $best s (budget $budget s)"
    fi
    echo "$header: $report"
done
[[ $measure == 1 ]] && exit 0

for header in "${!max_lines[@]}"; do
    [[ -n ${listed[$header]:-} ]] || fail "$header: in the budget but not a header any more (remove its line)"
done
if ((failures > 0)); then
    echo "$failures problem(s): over budget, not compiling, or not in the budget"
    exit 1
fi
echo "every header within its budget (${#headers[@]} headers)"
