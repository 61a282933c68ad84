# shellcheck shell=bash
# Sourced by the bench scripts: sizes, runs, medians, resource measurement, peers that must be
# there, and the rows of the summary table (bench/summary prints them).
#   BENCH_SIZES    assignments per generated config (default "1000 10000 100000"; set and
#                  empty with BENCH_MILLION=1: the 1,000,000 size alone)
#   BENCH_RUNS     runs per figure, medians reported (default 3)
#   BENCH_MILLION  1: also the 1,000,000-assignment run of issue #10 item 6 (check, READY,
#                  upcoming one month; not Remind)
#   BENCH_ROWS     where rows are appended (default build/bench/rows.tsv; bench/run empties it)
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
TOP=$PWD
OUT=$TOP/build/bench
mkdir -p "$OUT"
# shellcheck disable=SC2034 # RUNS and CTL are for the scripts that source this file
RUNS=${BENCH_RUNS:-3} CTL=${DUTYCTL:-$TOP/build/dutyctl}
SIZES=${BENCH_SIZES-1000 10000 100000}
BENCH_ROWS=${BENCH_ROWS:-$OUT/rows.tsv}
MILLION=1000000
[ "${BENCH_MILLION:-0}" = 1 ] && SIZES="$SIZES $MILLION"
export LC_ALL=C.UTF-8

die() {
        echo "bench: $*" >&2
        exit 1
}

# need COMMAND: a peer or tool without which a row cannot be measured fails the script.
need() {
        command -v "$1" >/dev/null || die "$1 is missing: run make bench-deps"
}

# The median of the numbers on stdin (the mean of the middle two for an even count).
median() {
        sort -g | awk '{v[NR] = $1} END {
                if (NR == 0) exit 1
                print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# helpers: bench/rusage and bench/yaml-events, built into build/bench/bin (cc, libyaml-dev).
helpers() {
        need cc
        need pkg-config
        pkg-config --exists yaml-0.1 || die "libyaml-dev is missing: run make bench-deps"
        mkdir -p "$OUT/bin"
        cc -O2 -Wall -Wextra -o "$OUT/bin/rusage" bench/rusage.c || die "cannot build bench/rusage.c"
        # shellcheck disable=SC2046 # pkg-config's flags are words
        cc -O2 -Wall -Wextra $(pkg-config --cflags yaml-0.1) -o "$OUT/bin/yaml-events" \
                bench/yaml-events.c $(pkg-config --libs yaml-0.1) || die "cannot build bench/yaml-events.c"
}

# measure FILE CMD...: runs CMD (its stderr to build/bench/stderr.log), appends
# "cpu_seconds peak_rss_mib wall_seconds" to FILE; when CMD fails, says so with the end of its
# stderr and returns 1.
measure() {
        "$OUT/bin/rusage" "$@" 2>"$OUT/stderr.log" || {
                echo "bench: failed: ${*:2}" >&2
                tail -5 "$OUT/stderr.log" | sed 's/^/  /' >&2
                return 1
        }
}

# col FILE N: the median of column N of a measure FILE (seconds to 0.1 ms, MiB to
# the tenth).
col() {
        awk -v c="$2" '{print $c}' "$1" | median |
                awk -v c="$2" '{printf (c == 2) ? "%.1f\n" : "%.4f\n", $1}'
}

# config N: the generated config of N assignments (generated once, kept in build/bench).
config() {
        local f=$OUT/config-$1.yaml
        if [ ! -s "$f" ]; then
                "$TOP/bench/gen-config" "$1" >"$f.tmp" && mv "$f.tmp" "$f" ||
                        die "bench/gen-config $1 failed"
        fi
        echo "$f"
}

# ratio A B: A / B with two decimals ("—" when B is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "—"; else printf "%.2f\n", a / b}'; }

# met VALUE OP LIMIT: yes / no (OP one of < <= > >= ==).
met() {
        awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
                r = (op == "<") ? v < l : (op == "<=") ? v <= l : (op == ">") ? v > l : (op == ">=") ? v >= l : v == l
                print r ? "yes" : "no" }'
}

# row MEASURE SIZE DUTYD PEER RATIO TARGET MET: one line of the summary table ("—" where a
# column has nothing: no peer, or no target at that size).
row() {
        local IFS=$'\t'
        echo "$*" >>"$BENCH_ROWS"
}

# failed_row MEASURE SIZE [TARGET]: the row of a figure whose command failed (said above it).
failed_row() { row "$1" "$2" "failed" "—" "—" "${3:-—}" "no"; }

# judged MEASURE SIZE DUTYD PEER RATIO VALUE OP LIMIT TEXT: a row whose target is VALUE OP LIMIT
# (TEXT as printed); OP "-" means no target at this size.
judged() {
        if [ "$7" = - ]; then
                row "$1" "$2" "$3" "$4" "$5" "—" "—"
        else
                row "$1" "$2" "$3" "$4" "$5" "$9" "$(met "$6" "$7" "$8")"
        fi
}
