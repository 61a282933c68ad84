#!/usr/bin/env bash
# `dutyctl upcoming`'s table beside its --json, at two sizes (bench/gen-config): 1,000
# assignments, whose year the table's first walk keeps for its second, and 30,000 (305,000
# occurrences in a year, more than a walk keeps, 131,072: the second plans again). At both, the table
# lists the same occurrences in the same order as the JSON lines, and its columns are aligned:
# every row's ID starts at the display column of the header's ID. With a record of completions,
# each row's status is the JSON's (the second pass takes the first's). On a fixed clock.
. "$(dirname "$0")/../lib.sh"
CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
T=$T_TMP
mkdir -p "$T/state"
trap 'rm -rf "$T"' EXIT
export STATE_DIRECTORY=$T/state DUTYD_CLOCK=2026-12-01 LC_ALL=C.UTF-8 LANGUAGE=

# aligned TABLE: every line's last cell starts at the same display column.
aligned() {
        /usr/bin/python3 - "$1" <<'PY'
import sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
cols = {width(line.rstrip("\n").rsplit("  ", 1)[0]) for line in open(sys.argv[1], encoding="utf-8")}
sys.exit(0 if len(cols) == 1 else 1)
PY
}

for n in 1000 30000; do
        cfg=$T/config-$n.yaml
        "$TOP/bench/gen-config" "$n" >"$cfg" || { fail "bench/gen-config $n"; continue; }
        "$CTL" -c "$cfg" upcoming --from 2026-12-01 --to 2027-11-30 >"$T/table" 2>"$T/err"
        check "$n: the table is listed" [ $? -eq 0 ]
        "$CTL" -c "$cfg" upcoming --from 2026-12-01 --to 2027-11-30 --json >"$T/json" 2>>"$T/err"
        sed 's/^{"id":"\([^"]*\)".*/\1/' "$T/json" >"$T/json-ids"
        tail -n +2 "$T/table" | awk '{print $NF}' >"$T/table-ids"
        rows=$(wc -l <"$T/json-ids")
        check "$n: a year holds more than $((n * 9)) occurrences ($rows)" [ "$rows" -gt $((n * 9)) ]
        check "$n: the table's IDs are the JSON's, in its order" cmp -s "$T/json-ids" "$T/table-ids"
        check "$n: the columns are aligned" aligned "$T/table"
        check "$n: nothing on stderr but the provisional-holidays warning" \
                [ "$(grep -vc 'provisional' "$T/err")" -eq 0 ]
done
# With a record of completions (the 1,000 config): each row's status in the table is the JSON's.
# Two November occurrences done on December 1st (late), one of December (done), the rest of
# November overdue.
cfg=$T/config-1000.yaml
"$CTL" -c "$cfg" upcoming --from 2026-11-01 --to 2026-12-31 --json >"$T/json" 2>/dev/null
sed 's/^{"id":"\([^"]*\)".*"due":"\([0-9-]*\)".*/\2 \1/' "$T/json" >"$T/due-ids"
for id in $(grep -m2 '^2026-11' "$T/due-ids" | cut -d' ' -f2) $(grep -m1 '^2026-12' "$T/due-ids" | cut -d' ' -f2); do
        "$CTL" -c "$cfg" done "$id" >/dev/null 2>&1 || fail "done $id"
done
"$CTL" -c "$cfg" upcoming --from 2026-11-01 --to 2026-12-31 --json >"$T/json" 2>/dev/null
"$CTL" -c "$cfg" upcoming --from 2026-11-01 --to 2026-12-31 >"$T/table" 2>/dev/null
# statuses TABLE JSON: every row of the table shows the status its JSON line gives.
statuses() {
        /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
words = {"open": "", "partial": "partly done", "overdue": "overdue", "done": "done", "late": "done late"}
status = {}
for line in open(sys.argv[2], encoding="utf-8"):
    j = json.loads(line)
    status[j["id"]] = j["status"]
rows = open(sys.argv[1], encoding="utf-8").read().splitlines()[1:]
bad = 0
for row in rows:
    cells = [c for c in row.split("  ") if c.strip()]
    want = words[status[cells[-1].strip()]]
    shown = [c.strip() for c in cells if c.strip() in words.values()]
    if shown != ([want] if want else []):
        bad += 1
print(f"{len(rows)} rows, {bad} with another status")
sys.exit(1 if bad or len(rows) != len(status) else 0)
PY
}
summary=$(statuses "$T/table" "$T/json")
check_eq "with a record: every row's status is its JSON's ($summary)" 0 $?
for key in late done overdue; do
        check "with a record: some rows are $key" grep -q "\"status\":\"$key\"" "$T/json"
done
t_done
