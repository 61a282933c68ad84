#!/usr/bin/env bash
# Makes a state.db with an earlier release of dutyd and writes it as SQL text (sqlite3 .dump),
# the fixture tests/unit/test-migrate.c upgrades with the current code. Not run by the tests:
# the fixtures are committed. To make one again:
#     git worktree add --detach /tmp/old 999cdf9 && make -C /tmp/old -j2
#     tests/data/state/make-fixture.sh /tmp/old tests/data/state/release-999cdf9.sql
# With --completions-only (a tree from before the daemon, e.g. c58f927, whose dutyctl has only
# done/undo/history), only completions are recorded.
# The config: dutyd.yaml.in. The rows: completions (on time, late, per holder, undone, one made
# through a done link), outbox rows sent, queued after failing (a channel whose port refuses),
# failed (a permanent refusal), outbox items, done-link key and used nonce, feed tokens (one
# rotated), events, meta (track_from, served_address, last_processed). The clock is fixed
# (DUTYD_CLOCK) where the release reads it.
set -eu
old=$(cd "$1" && pwd) out=$2 minimal=${3:-}
top=$(cd "$(dirname "$0")/../../.." && pwd)
D=$old/build/dutyd CTL=$old/build/dutyctl
T=$(mktemp -d /tmp/dutyd-fixture.XXXXXX)
pids=() made=0
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        wait 2>/dev/null
        [ "$made" = 1 ] && rm -rf "$T" || echo "failed; see $T" >&2
}
trap cleanup EXIT
wait_for() { local n=$(($1 * 10)); shift; while ! "$@" 2>/dev/null; do n=$((n - 1)); [ $n -le 0 ] && return 1; sleep 0.1; done; }

# config FILTER: the config (dutyd.yaml.in), the sinks' ports filled in; FILTER cuts it.
config() {
        sed -e "s|@HOLIDAYS@|$top/config/holidays-cn.yaml|; s|@STATE@|$T/state|" \
                -e "s|@SECRET@|$T/hook.secret|; s|@DEAD@|http://127.0.0.1:1/refused|" \
                -e "s|@HOOK@|http://127.0.0.1:$(cat "$T/sink/port" 2>/dev/null)/hook/x|" \
                -e "s|@GONE@|http://127.0.0.1:$(cat "$T/gone/port" 2>/dev/null)/hook/y|" \
                -e "$1" "$top/tests/data/state/dutyd.yaml.in" >"$T/dutyd.yaml"
}
ctl() { "$CTL" -c "$T/dutyd.yaml" "$@" >/dev/null; }
mkdir -p "$T/state" "$T/sink" "$T/gone"
if [ "$minimal" = --completions-only ]; then
        config '/^# ---- the rest/,$d'
else
        echo ok >"$T/sink/mode"
        echo permanent >"$T/gone/mode" # answers every message with a permanent refusal
        for s in sink gone; do
                python3 "$top/tests/integration/sink.py" --dir "$T/$s" --hook-secret hooksecret \
                        >"$T/$s.out" 2>&1 &
                pids+=($!)
                wait_for 10 test -s "$T/$s/port"
        done
        printf hooksecret >"$T/hook.secret"
        config ''
        export DUTYD_CLOCK=2026-11-16T09:30
fi
ctl done m --date 2026-07-10 --note '纪要,第"7"号' --evidence https://e.x/7
ctl done m:zz:2026-08:1 --date 2026-09-03
ctl done x --person c --date 2026-09-01
ctl done m --date 2026-09-10
ctl undo
if [ "$minimal" != --completions-only ]; then
        ctl raise 事故 --note 某村道路交通事故 || true # sent to hook, fails on dead
        ctl raise 事故 --no-send
        ctl feeds list
        ctl feeds rotate person-a
        url=$("$CTL" -c "$T/dutyd.yaml" done-link q:sj:2026-Q4:1)
        # Twenty times as fast: the reminders of 09:31 (14 days before m's deadline) go out.
        DUTYD_CLOCK=2026-11-16T09:30x20 "$D" -c "$T/dutyd.yaml" >"$T/dutyd.log" 2>&1 &
        pids+=($!)
        wait_for 20 grep -q '订阅地址 127.0.0.1:[0-9]' "$T/dutyd.log"
        addr=$(grep -o '订阅地址 127.0.0.1:[0-9]*' "$T/dutyd.log" | head -1 | sed 's/订阅地址 //')
        curl -s -o /dev/null --data person=s --data-urlencode note=链接登记 \
                "http://$addr/done/${url##*/done/}"
        wait_for 20 grep -q '安全生产工作会议' "$T/sink/log.jsonl"
        sleep 1
        kill "${pids[-1]}"
        wait "${pids[-1]}" || true
fi
sqlite3 "$T/state/state.db" .dump >"$out.tmp"
mv "$out.tmp" "$out"
made=1
echo "$out: $(grep -c '^INSERT' "$out") rows"
