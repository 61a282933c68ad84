#!/usr/bin/env bash
# The state database across releases (issue 12, item 8): a state.db made by the previous
# release (tests/data/state/release-999cdf9.sql) and by a much older one (early-c58f927.sql)
# is upgraded when dutyctl or dutyd opens it, and the upgraded record is the same: the
# completions, the feed tokens, and the messages the old release left queued, which the
# current dutyd then delivers with their old ids. A database of a newer dutyd and another
# program's database are refused by both (status 1, the cause, what to do) and keep every byte.
. "$(dirname "$0")/../lib.sh"
D=$BIN/dutyd CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyd" ] && D=$ASAN_BIN/dutyd
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
T=$T_TMP
DATA=$TOP/tests/data/state
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

start_sink "$T/sink" || { fail "sink started"; t_done; exit 1; }
PIDS+=($SINK_PID)
printf '%s' hooksecret >"$T/hook.secret"
# The config the fixtures were made with (tests/data/state/dutyd.yaml.in), every channel now on
# the sink.
write_config() { # DIR
        mkdir -p "$1/state"
        sed -e "s|@HOLIDAYS@|$TOP/config/holidays-cn.yaml|; s|@STATE@|$1/state|" \
                -e "s|@SECRET@|$T/hook.secret|" \
                -e "s#@\(HOOK\|DEAD\|GONE\)@#http://127.0.0.1:$SINK_PORT/hook/x#" \
                "$DATA/dutyd.yaml.in" >"$1/dutyd.yaml"
}
db() { sqlite3 "$1/state/state.db" "$2"; }

# ---- 1. the previous release's state.db, opened by dutyctl -----------------------------------
R=$T/release
write_config "$R"
sqlite3 "$R/state/state.db" <"$DATA/release-999cdf9.sql"
zz_token=$(db "$R" "SELECT token FROM feed_tokens WHERE feed = 'post-zz'")
queued=$(db "$R" "SELECT id FROM outbox WHERE state = 'queued' ORDER BY id" | tr '\n' ' ')
check_eq "fixture: unversioned" "0 0" "$(db "$R" 'PRAGMA user_version' | tr '\n' ' ')$(db "$R" 'PRAGMA application_id')"
out=$(DUTYD_CLOCK=2026-11-16T10:00 "$CTL" -c "$R/dutyd.yaml" history --all 2>&1); rc=$?
check_eq "dutyctl history on it: status 0" 0 "$rc"
check "… every completion, the undone one and the one made by a done link" \
        bash -c "[ \$(grep -cE '有效|已撤销' <<<'$out') = 5 ] && grep -q '链接登记' <<<'$out' && grep -q '纪要,第\"7\"号' <<<'$out'"
check_eq "… and the file is now at version 3, marked as dutyd's" "3 1685419129" \
        "$(db "$R" 'PRAGMA user_version') $(db "$R" 'PRAGMA application_id')"
check "… the webhook column added" test "$(db "$R" "SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'prebuilt'")" = 1
check_eq "… the old outbox indexes replaced" "outbox_failed outbox_queued outbox_sending " \
        "$(db "$R" "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'outbox\_%' ESCAPE '\\' ORDER BY name" | tr '\n' ' ')"
check_eq "… every outbox row kept (3 sent, 3 queued, 3 failed)" "failed=3 queued=3 sent=3 " \
        "$(db "$R" "SELECT state || '=' || count(*) FROM outbox GROUP BY state ORDER BY state" | tr '\n' ' ')"
check "dutyctl feeds list: the feed keeps its address" \
        bash -c "'$CTL' -c '$R/dutyd.yaml' feeds list 2>/dev/null | grep -q '/feeds/$zz_token/post-zz.ics'"

# ---- 2. dutyd on it: the messages the old release left queued go out, with their ids ---------
DUTYD_CLOCK=2026-11-16T10:00 "$D" -c "$R/dutyd.yaml" >"$R/dutyd.log" 2>&1 &
DPID=$!; PIDS+=($DPID)
check "dutyd starts on the upgraded state" wait_for 20 grep -q '订阅地址 127.0.0.1:[0-9]' "$R/dutyd.log"
for id in $queued; do
        check "old queued message $id delivered, signature good" \
                wait_for 20 grep -q "\"id\": \"$id\", \"ok\": true" "$T/sink/log.jsonl"
done
kill -TERM $DPID; wait $DPID 2>/dev/null
in_list=$(sed -E "s/([0-9a-f]+)/'\1'/g; s/' '/', '/g; s/ $//" <<<"$queued")
check_eq "… and recorded sent" 3 "$(db "$R" "SELECT count(*) FROM outbox WHERE state = 'sent' AND id IN ($in_list)")"

# ---- 3. a much older state.db (completions only): upgraded, and dutyd starts on it -------------
E=$T/early
write_config "$E"
sqlite3 "$E/state/state.db" <"$DATA/early-c58f927.sql"
out=$("$CTL" -c "$E/dutyd.yaml" history --all 2>&1); rc=$?
check "early state: dutyctl history shows its 4 completions (status $rc)" \
        bash -c "[ $rc = 0 ] && [ \$(grep -cE '有效|已撤销' <<<'$out') = 4 ]"
check_eq "… every table of today made" 11 "$(db "$E" "SELECT count(*) FROM sqlite_master WHERE type = 'table'")"
"$D" -c "$E/dutyd.yaml" >"$E/dutyd.log" 2>&1 &
DPID=$!; PIDS+=($DPID)
check "… dutyd starts on it" wait_for 20 grep -q '订阅地址 127.0.0.1:[0-9]' "$E/dutyd.log"
kill -TERM $DPID; wait $DPID 2>/dev/null

# ---- 4. refused, untouched: a newer dutyd's database, other programs' databases ----------------
refused() { # NAME DIR EXPECTED-TEXT...
        local name=$1 dir=$2; shift 2
        local sum rc out
        sum=$(sha256sum "$dir/state/state.db")
        NOTIFY_SOCKET= timeout 30 "$D" -c "$dir/dutyd.yaml" >"$dir/refused.log" 2>&1; rc=$?
        check_eq "$name: dutyd refuses to start (status 1)" 1 "$rc"
        for want in "$@"; do
                check "… dutyd says: $want" grep -qF "$want" "$dir/refused.log"
        done
        out=$("$CTL" -c "$dir/dutyd.yaml" history 2>&1); rc=$?
        check_eq "$name: dutyctl refuses it too (status 1)" 1 "$rc"
        for want in "$@"; do
                check "… dutyctl says: $want" grep -qF "$want" <<<"$out"
        done
        check_eq "$name: not a byte changed" "$sum" "$(sha256sum "$dir/state/state.db")"
}
N=$T/newer
write_config "$N"
cp "$R/state/state.db" "$N/state/state.db"
sqlite3 "$N/state/state.db" 'PRAGMA user_version = 4; CREATE TABLE later (x); INSERT INTO later VALUES (1);'
refused "a newer dutyd's state.db" "$N" "无法打开状态数据库 $N/state/state.db" \
        "由更新版本的 dutyd 创建（数据库版本 4，本程序只认得到版本 3）" "文件未作任何改动" \
        "请安装新版本的 dutyd，或从本版本的备份恢复"
F=$T/foreign
write_config "$F"
sqlite3 "$F/state/state.db" 'PRAGMA application_id = 305419896; CREATE TABLE completions (x); INSERT INTO completions VALUES (1);'
refused "another program's database (application_id)" "$F" "无法打开状态数据库 $F/state/state.db" \
        "不是 dutyd 的状态数据库：application_id 是 0x12345678" "文件未作任何改动" "请检查配置中的 state: 目录"
G=$T/foreign-tables
write_config "$G"
sqlite3 "$G/state/state.db" 'CREATE TABLE users (id, name); INSERT INTO users VALUES (1, 2);'
refused "another program's database (its tables)" "$G" "无法打开状态数据库 $G/state/state.db" \
        "不是 dutyd 的状态数据库：其中没有 dutyd 的表（只有 users）" "文件未作任何改动"
t_done
