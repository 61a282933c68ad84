#!/usr/bin/env bash
# The README's first command, exactly as README.md has it, on a bare Debian 12: a debootstrap
# minbase root (plus systemd to boot it) with this work tree in /root/dutyd, booted with
# systemd-nspawn. It must exit 0, list the upcoming duties, and leave dutyd.socket and
# dutyd.service running. The commands are read from README.md at run time, so the two cannot
# drift. Slow: the command installs every build dependency from the mirror (minutes).
#
# Skips when not root, without systemd-nspawn, when the mirror is unreachable, or with
# DUTYD_SKIP_FRESH=1. The pristine root is cached in /var/cache/dutyd-test/ (see fresh-root.sh).
#
# Debugging aids (environment):
#   DUTYD_FRESH_CMD=CMD       run CMD instead of the README's first command (e.g. to try a fix
#                             before it lands in README.md); the README is still read and printed.
#   DUTYD_FRESH_TIMEOUT=SECS  bound on the command (default 1800).
# The command's whole output is kept in build/test-logs/readme-fresh-first-command.log when that
# folder exists (tests/run makes it).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fresh-root.sh"

FRESH_TIMEOUT=${DUTYD_FRESH_TIMEOUT:-1800}
DIR=/root/dutyd

skip() { ok "# SKIP $1"; t_done; exit 0; }

# readme_block N: the body of README.md's Nth ```sh fenced block.
readme_block() {
        awk -v want="$1" '
                /^```sh[ \t]*$/ { n++; inside = 1; next }
                inside && /^```/ { inside = 0; if (n == want) exit; next }
                inside && n == want { print }' "$TOP/README.md"
}

comment() { sed 's/^/# /'; }

# Why a check failed: the command's last lines; a unit's state and journal.
explain_failure() { # LOG
        echo "# last lines of the output:"
        tail -30 "$1" | comment
}
explain_unit() { # UNIT
        echo "# $1: $(fr_run systemctl is-active "$1")"
        fr_run journalctl --no-pager -n 20 -u "$1" 2>&1 | comment
}

run_first_command() { # CMD LOG; sets CMD_RC
        local start=$SECONDS
        # timeout runs inside, in its own process group: on expiry apt/make/gcc go with it.
        fr_run timeout -k 10 "$FRESH_TIMEOUT" bash -c "cd $DIR && $1" >"$2" 2>&1 </dev/null
        CMD_RC=$?
        echo "# first command took $((SECONDS - start)) s (exit status $CMD_RC)"
        local keep=$TOP/build/test-logs/readme-fresh-first-command.log
        if [ -d "${keep%/*}" ] && cp "$2" "$keep"; then echo "# its whole output: $keep"; fi
}

[ "${DUTYD_SKIP_FRESH:-}" = 1 ] && skip "DUTYD_SKIP_FRESH set"
if r=$(fr_skip_reason); then skip "$r"; fi
trap fr_cleanup EXIT
trap 'exit 130' INT TERM

first=$(readme_block 1)
second=$(readme_block 2)
echo "# README first command:  $first"
echo "# README second command: $second"
check "README.md has its two sh blocks" test -n "$first" -a -n "$second"
[ -n "$first" ] || { t_done; exit 1; }
cmd=${DUTYD_FRESH_CMD:-$first}
[ -n "${DUTYD_FRESH_CMD:-}" ] && echo "# DUTYD_FRESH_CMD overrides it; running: $cmd"

root=$T_TMP/root
if fr_make_root "$root"; then
        ok "fresh $FR_SUITE minbase root ($FR_HOW)"
elif [ "$FR_FETCH_FAILED" = 1 ]; then
        skip "debootstrap cannot fetch from $FR_MIRROR"
else
        fail "fresh $FR_SUITE minbase root"; t_done; exit 1
fi
if fr_copy_tree "$TOP" "$root$DIR" && fr_prepare "$root"; then
        ok "work tree copied to $DIR ($(find "$root$DIR" -type f | wc -l) files)"
else
        fail "work tree copied to $DIR"; t_done; exit 1
fi

start=$SECONDS
if fr_boot "$root" "dutyd-fresh-$$"; then ok "booted ($((SECONDS - start)) s)"; else
        fail "booted"; t_done; exit 1; fi
# Guards the premise (a stale or polluted cache would hide a missing dependency).
check "the root is bare: no make, gcc, git" \
        fr_run sh -c '! command -v make && ! command -v gcc && ! command -v git'

log=$T_TMP/first-command.log
run_first_command "$cmd" "$log"
check_eq "first command exits 0" 0 "$CMD_RC"
[ "$CMD_RC" -eq 0 ] || explain_failure "$log"
# In English: the root's locale is C.UTF-8 (fr_run), without LANGUAGE.
check "its output has the upcoming table (Due Post Duty…)" grep -qE '^Due +Post +Duty ' "$log"
check "… and no state error (root reads the daemon's state)" bash -c "! grep -q 'cannot open the state database' '$log'"

for unit in dutyd.socket dutyd.service; do
        if fr_wait 5 fr_run systemctl is-active --quiet "$unit"; then ok "$unit is active"; else
                fail "$unit is active"; explain_unit "$unit"; fi
done

# The daemon is up: the list again, as a user would next type it.
fr_run sh -c "cd $DIR && dutyctl upcoming" >"$T_TMP/again.out" 2>"$T_TMP/again.err" </dev/null
check_eq "dutyctl upcoming again exits 0" 0 $?
# The one line allowed: a year of the listing without the State Council's notice is provisional
# (issue #13), which depends on the real date.
check_eq "… with nothing on stderr but the provisional-holiday warning" "" \
        "$(stderr_but_holiday_warning "$T_TMP/again.err")"
check "root records a completion on the installed system (dutyctl done, history)" fr_run sh -c \
        'id=$(dutyctl upcoming --json | head -n1 | sed "s/^{\"id\": *\"\([^\"]*\)\".*/\1/") &&
         dutyctl done "$id" --note 安装后验证 && dutyctl history | grep -q 安装后验证'
t_done
