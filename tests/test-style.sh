#!/usr/bin/env bash
# The style checker (as curl's checksrc): every C file is formatted as .clang-format says, and
# the code uses none of the functions the project bans.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
files=$(git ls-files 'daemon/*/*.[ch]' 'tests/unit/*.[ch]' 'tests/integration/*.c' 2>/dev/null)
[ -n "$files" ] || files=$(ls daemon/*/*.[ch] tests/unit/*.[ch] tests/integration/*.c)
if command -v clang-format >/dev/null; then
        # One check for the whole tree (each file is not a test of its own).
        bad=()
        for f in $files; do
                clang-format --dry-run --Werror "$f" >"$T_TMP/cf" 2>&1 && continue
                bad+=("$f"); head -5 "$T_TMP/cf" | sed 's/^/# /'
        done
        n=$(echo "$files" | wc -w)
        if [ ${#bad[@]} -eq 0 ]; then ok "format: all $n C files as .clang-format says"; else
                fail "format: ${#bad[@]} of $n C files differ (run clang-format -i ${bad[*]})"; fi
else
        echo "ok 1 - # SKIP clang-format not installed"
fi
# Banned: unbounded string functions; blocking calls that would stall the event loop in the
# daemon (curl_easy_perform, sleep); system() and popen().
banned='\b(sprintf|vsprintf|strcpy|strcat|gets|system|popen|curl_easy_perform|sleep|usleep)\s*\('
hits=$(grep -nE "$banned" $(ls daemon/*/*.[ch]) | grep -vE '^\S+:[0-9]+:\s*(/\*|\*)' || true)
if [ -z "$hits" ]; then ok "no banned function in daemon/"; else
        fail "no banned function in daemon/"; echo "$hits" | sed 's/^/# /'; fi
# SQLite is the state layer's: no connection, statement or SQL runner outside daemon/state/
# (its modules offer named functions instead; store-sql.h is theirs).
sql='\bsqlite3_|\bstore_(exec|db)\s*\(|[<"](sqlite3|store-sql)\.h[>"]'
hits=$(grep -nE "$sql" $(ls daemon/*/*.[ch] | grep -v '^daemon/state/') |
        grep -vE '^\S+:[0-9]+:\s*(/\*|\*)' || true)
if [ -z "$hits" ]; then ok "no SQLite outside daemon/state/"; else
        fail "no SQLite outside daemon/state/"; echo "$hits" | sed 's/^/# /'; fi
# Comments in C are /* */ only.
hits=$(grep -nE '^\s*//' daemon/*/*.[ch] || true)
if [ -z "$hits" ]; then ok "no // comments"; else fail "no // comments"; echo "$hits" | sed 's/^/# /'; fi
t_done
