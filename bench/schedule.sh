#!/usr/bin/env bash
# The schedule commands beside their peers, at each size of BENCH_SIZES (medians of BENCH_RUNS
# paired runs: dutyd's command, then its peer, in each run):
#  - `dutyctl check` (load + plan the next 12 months) beside libyaml's event parse of the same
#    file (bench/yaml-events.c): CPU and peak RSS; ratio check / event parse.
#  - `dutyctl upcoming` over one year (2026-12-01 to 2027-11-30, the table printed) beside
#    Remind `remind -s12` (the same twelve months) over equivalent REM lines (bench/gen-config
#    --rem, which says how equivalent); ratio Remind CPU / dutyd CPU. Before the figures count,
#    the dates of both are compared (dutyctl upcoming --json against Remind's output): a peer
#    that does not yield the same (date, duty, post) set fails the script.
#  - `dutyctl upcoming` over one month (to 2026-12-31): CPU.
# With BENCH_MILLION=1 the 1,000,000-assignment size has check and upcoming one month only
# (Remind would take about an hour there; issue #10 item 6 asks for no peer).
. "$(dirname "$0")/lib.sh"
need remind
helpers
export DUTYD_CLOCK=2026-12-01
from=2026-12-01 year_to=2027-11-30 month_to=2026-12-31
[ -x "$CTL" ] || die "$CTL missing: run make"

# equivalent CONFIG REMIND_OUTPUT N: the (date, duty:post) sets of dutyd and Remind are the same.
equivalent() {
        "$CTL" -c "$1" upcoming --from $from --to $year_to --json |
                sed -n 's/^{"id":"\([^:]*:[^:]*\):.*"due":"\([0-9-]*\)".*/\2 \1/p' |
                sort -u >"$OUT/eq-dutyd.txt"
        awk '{gsub("/", "-", $1); print $1, $NF}' "$2" |
                sort -u >"$OUT/eq-remind.txt"
        local a b d
        a=$(wc -l <"$OUT/eq-dutyd.txt") b=$(wc -l <"$OUT/eq-remind.txt")
        d=$(comm -3 "$OUT/eq-dutyd.txt" "$OUT/eq-remind.txt" | wc -l)
        echo "  REM lines vs config at $3: $a (date, duty, post) from dutyd, $b from Remind, $d differ"
        if [ "$d" -ne 0 ] || [ "$a" -eq 0 ]; then
                echo "  first differences (< dutyd only, > Remind only):"
                diff "$OUT/eq-dutyd.txt" "$OUT/eq-remind.txt" | grep '^[<>]' | head -10 | sed 's/^/    /'
                return 1
        fi
}

printf '%-9s %8s | %9s %8s %9s %8s %7s | %9s %8s %9s %8s %8s | %9s\n' size yaml_MB \
        check_s RSS_MiB events_s RSS_MiB ratio upcom_s RSS_MiB remind_s RSS_MiB ratio month_s
for n in $SIZES; do
        cfg=$(config "$n")
        rem=$OUT/config-$n.rem
        peer=true
        [ "$n" = $MILLION ] && peer=false
        if $peer; then
                bench/gen-config --rem "$n" $from $year_to >"$rem" || die "gen-config --rem failed"
        fi
        rm -f "$OUT"/{check,events,year,remind,month}.m
        for run in $(seq "$RUNS"); do
                measure "$OUT/check.m" "$CTL" -c "$cfg" check >/dev/null 2>&1 || exit 1
                measure "$OUT/events.m" "$OUT/bin/yaml-events" "$cfg" >/dev/null || exit 1
                measure "$OUT/month.m" "$CTL" -c "$cfg" upcoming --to $month_to >/dev/null || exit 1
                $peer || continue
                measure "$OUT/year.m" "$CTL" -c "$cfg" upcoming --from $from --to $year_to \
                        >"$OUT/upcoming.txt" || exit 1
                measure "$OUT/remind.m" remind -s12 "$rem" $from >"$OUT/remind.txt" || exit 1
                [ "$run" = 1 ] && { equivalent "$cfg" "$OUT/remind.txt" "$n" ||
                        die "the REM lines are not equivalent to the config at $n"; }
        done
        ck=$(col "$OUT/check.m" 1) ckm=$(col "$OUT/check.m" 2)
        ev=$(col "$OUT/events.m" 1) evm=$(col "$OUT/events.m" 2)
        mo=$(col "$OUT/month.m" 1)
        up=— upm=— re=— rem_m=— upr=—
        if $peer; then
                up=$(col "$OUT/year.m" 1) upm=$(col "$OUT/year.m" 2)
                re=$(col "$OUT/remind.m" 1) rem_m=$(col "$OUT/remind.m" 2)
                upr=$(ratio "$re" "$up")
        fi
        ckr=$(ratio "$ck" "$ev")
        printf '%-9s %8.1f | %9.3f %8.1f %9.3f %8.1f %7s | %9s %8s %9s %8s %8s | %9.3f\n' "$n" \
                "$(stat -c %s "$cfg" | awk '{print $1 / 1e6}')" "$ck" "$ckm" "$ev" "$evm" "$ckr" "$up" "$upm" "$re" \
                "$rem_m" "$upr" "$mo"

        # The targets of issue #10: check at 10k and 100k (and 1M: < 10 s); upcoming at every
        # size against Remind; one month < 2 s at 1M.
        op=-
        case $n in 10000 | 100000) op='<=' ;; esac
        judged "dutyctl check CPU s (peer: libyaml event parse)" "$n" "$ck" "$ev" "${ckr}×" \
                "$ckr" $op 2 "≤ 2× peer"
        judged "dutyctl check peak RSS MiB (peer: event parse)" "$n" "$ckm" "$evm" "—" \
                "$ckm" "${op/<=/<}" 48 "< 48 MiB"
        if [ "$n" = $MILLION ]; then
                judged "dutyctl check CPU s (item 6)" "$n" "$ck" "$ev" "${ckr}×" "$ck" '<' 10 "< 10 s"
        fi
        if $peer; then
                judged "upcoming one year CPU s (peer: remind -s12)" "$n" "$up" "$re" "${upr}×" \
                        "$upr" '>=' 100 "≥ 100× (peer/dutyd)"
                judged "upcoming one year peak RSS MiB (peer: remind)" "$n" "$upm" "$rem_m" \
                        "$(ratio "$upm" "$rem_m")×" "$upm" '<' 64 "< 64 MiB"
        fi
        op=-
        [ "$n" = $MILLION ] && op='<'
        judged "upcoming one month CPU s" "$n" "$mo" "—" "—" "$mo" $op 2 "< 2 s"
done
