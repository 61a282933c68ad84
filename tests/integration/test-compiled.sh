#!/usr/bin/env bash
# dutyctl's compiled config (daemon/config/snapshot.h): a run on an unchanged config reads its
# compiled copy and not the YAML (strace shows which files it opens) and prints exactly what a
# parse prints; any change of an input (the main file, a drop-in added, the holiday data), of the
# year, of the cache file's trust (group-writable) or its bytes (cut short) makes it parse again;
# `check` always parses and leaves the copy alone; secrets are never in it; DUTYD_CACHE_DIR=off
# writes nothing. On a fixed clock.
. "$(dirname "$0")/../lib.sh"
CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
command -v strace >/dev/null || { fail "strace is missing (make deps)"; t_done; }
T=$T_TMP
C=$DUTYD_CACHE_DIR
export STATE_DIRECTORY=$T/state DUTYD_CLOCK=2026-12-01
mkdir -p "$STATE_DIRECTORY" "$T/etc"
cp "$TOP/config/holidays-cn.yaml" "$T/etc/"
printf 'S3CRET-HMAC-%s\n' "$RANDOM$RANDOM" >"$T/secret"
cat >"$T/etc/dutyd.yaml" <<EOF
holidays: holidays-cn.yaml
organization: {name: 测试镇}
posts: [{id: zz, name: 镇长}]
people: [{id: zhang, name: 张三, posts: [zz]}]
channels:
  - {id: hook, type: webhook, url: "http://127.0.0.1:9/h", secret: {file: $T/secret}}
routes: [{channels: [hook]}]
duties:
  - {id: meet, post: zz, title: 安全生产例会, rule: 每季度召开一次}
EOF
CFG=$T/etc/dutyd.yaml

# Inputs changed in the file system clock's current tick are never compiled (racy, snapshot.c):
# let the tick pass after writing them.
settle() { sleep 0.05; }

# run NAME ARGS...: dutyctl traced; its stdout in $T/NAME.out, the files it opened in $T/NAME.trace.
# LeakSanitizer cannot work under ptrace (it would end the ASan build before its output is out);
# the other tests run the same loads with it.
run() {
        local name=$1; shift
        ASAN_OPTIONS=${ASAN_EXTRA:-}detect_leaks=0 strace -f -qq -e trace=openat -o "$T/$name.trace" "$CTL" "$@" \
                >"$T/$name.out" 2>"$T/$name.err"
}
# parsed NAME: whether that run opened the main YAML file.
parsed() { grep -q "etc/dutyd.yaml\"" "$T/$1.trace"; }

settle
run first -c "$CFG" upcoming --to 2027-11-30
check "the first run parses the YAML" parsed first
check "it lists the duty" grep -q 安全生产例会 "$T/first.out"
bin=$(ls "$C"/config-*-dutyctl.bin 2>/dev/null | head -1)
check "it leaves a compiled copy in the cache folder" [ -n "$bin" ]
check_eq "the cache folder is the user's alone" 700 "$(stat -c %a "$C")"
check_eq "the copy is the user's alone" 600 "$(stat -c %a "$bin")"
check "the copy holds no secret" bash -c "! grep -q S3CRET '$bin'"

run second -c "$CFG" upcoming --to 2027-11-30
check "the second run reads the copy, not the YAML" bash -c "! grep -q 'etc/dutyd.yaml\"' '$T/second.trace'"
check "and opens the copy" grep -q "config-.*-dutyctl.bin" "$T/second.trace"
check "its output is the first's" cmp -s "$T/first.out" "$T/second.out"
run json -c "$CFG" upcoming --to 2027-11-30 --json
DUTYD_CACHE_DIR=off "$CTL" -c "$CFG" upcoming --to 2027-11-30 --json >"$T/json-parsed.out" 2>/dev/null
check "a JSON listing from the copy is a parse's" cmp -s "$T/json.out" "$T/json-parsed.out"
check "and came from the copy" bash -c "! grep -q 'etc/dutyd.yaml\"' '$T/json.trace'"

DUTYD_CLOCK=2026-12-02 run nextday -c "$CFG" upcoming --to 2027-11-30
check "another day of the same years reads the copy" \
        bash -c "! grep -q 'etc/dutyd.yaml\"' '$T/nextday.trace'"
DUTYD_CLOCK=2027-06-01 run nextyear -c "$CFG" upcoming --to 2027-11-30
check "a day a year on that turns the year parses again" parsed nextyear

# The main file edited: the new duty is listed at once.
echo "  - {id: drill, post: zz, title: 应急演练, rule: 每半年至少一次}" >>"$CFG"
settle
run edited -c "$CFG" upcoming --to 2027-11-30
check "an edited main file is parsed again" parsed edited
check "and its new duty listed" grep -q 应急演练 "$T/edited.out"
run edited2 -c "$CFG" upcoming --to 2027-11-30
check "then compiled again" bash -c "! grep -q 'etc/dutyd.yaml\"' '$T/edited2.trace'"
check "with the new duty" grep -q 应急演练 "$T/edited2.out"

# A drop-in added.
mkdir -p "$T/etc/conf.d"
echo "duties: [{id: patrol, post: zz, title: 汛期巡查, rule: 每月至少一次}]" >"$T/etc/conf.d/10-flood.yaml"
settle
run dropin -c "$CFG" upcoming --to 2027-11-30
check "a drop-in added is read" grep -q 汛期巡查 "$T/dropin.out"
# The holiday data changed (a comment is enough).
echo "# edited" >>"$T/etc/holidays-cn.yaml"
settle
run holidays -c "$CFG" upcoming --to 2027-11-30
check "changed holiday data makes a parse" parsed holidays

# The copy not to be trusted, or damaged: parsed again, the same output.
run warm -c "$CFG" upcoming --to 2027-11-30
check "(the copy is current again)" bash -c "! grep -q 'etc/dutyd.yaml\"' '$T/warm.trace'"
bin=$(ls "$C"/config-*-dutyctl.bin | head -1)
chmod g+w "$bin"
run groupw -c "$CFG" upcoming --to 2027-11-30
check "a group-writable copy is not read" parsed groupw
check "the output is the same" cmp -s "$T/warm.out" "$T/groupw.out"
size=$(stat -c %s "$bin")
truncate -s $((size / 2)) "$bin"
run cut -c "$CFG" upcoming --to 2027-11-30
check "a copy cut short is not read" parsed cut
check "the output is the same" cmp -s "$T/warm.out" "$T/cut.out"
check_eq "and the copy is whole again" "$size" "$(stat -c %s "$bin")"
head -c 64 /dev/urandom | dd of="$bin" bs=1 seek=$((size - 200)) conv=notrunc status=none
run noise -c "$CFG" upcoming --to 2027-11-30
check "a copy with changed bytes never crashes dutyctl" [ -s "$T/noise.out" ]

# check: the YAML always, the copy untouched.
before=$(stat -c %i.%s "$bin")
run check -c "$CFG" check
check "check parses the YAML even with a current copy" parsed check
check_eq "and leaves the copy alone" "$before" "$(stat -c %i.%s "$bin")"

# Off: nothing written.
cp "$CFG" "$T/etc/other.yaml"
settle
n_before=$(ls "$C" | wc -l)
DUTYD_CACHE_DIR=off "$CTL" -c "$T/etc/other.yaml" upcoming --to 2027-11-30 >/dev/null 2>&1
check_eq "DUTYD_CACHE_DIR=off writes no copy" "$n_before" "$(ls "$C" | wc -l)"
t_done
