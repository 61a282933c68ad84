#!/usr/bin/env bash
# Exports are for other files: every function that a daemon/*/*.c file defines non-static (type T
# in its object, as `make` built it) is called from another daemon/ file (an undefined reference
# in that file's object) or named in tests/ (comments removed: a unit test may need a function
# that the daemon calls in its own file only). Anything else is static, or removed when nobody
# calls it at all. Needs `make` first.
. "$(dirname "$0")/lib.sh"
cd "$TOP"

defs=$T_TMP/defs uses=$T_TMP/uses words=$T_TMP/words
missing=() stale=() objs=()
for c in daemon/*/*.c; do
        o=$BIN/obj/${c#daemon/}
        o=${o%.c}.o
        if [ ! -e "$o" ]; then missing+=("$o"); continue; fi
        [ "$c" -nt "$o" ] && stale+=("$o")
        objs+=("$o")
done
if [ ${#missing[@]} -gt 0 ] || [ ${#stale[@]} -gt 0 ]; then
        fail "objects of daemon/ built and current (run make): ${missing[*]} ${stale[*]}"
        t_done
        exit 1
fi
# "SYMBOL daemon/LAYER/FILE.c" from "$BIN/obj/LAYER/FILE.o: [ADDRESS] TYPE SYMBOL".
by_source() { sed -E "s|^$BIN/obj/([^:]*)\.o: *([0-9a-f]+ )?|daemon/\1.c |" | awk "$1"; }
nm -A --defined-only "${objs[@]}" | by_source '$2 == "T" { print $3, $1 }' >"$defs"
nm -A --undefined-only "${objs[@]}" | by_source '{ print $3, $1 }' >"$uses"
# Every identifier of the tests' C code, comments removed by the preprocessor.
for t in tests/unit/*.[ch] tests/integration/*.c tests/fuzz/*.c; do
        [ -e "$t" ] || continue
        gcc -fpreprocessed -dD -E -P -x c "$t" 2>/dev/null | grep -oE '\b[A-Za-z_][A-Za-z0-9_]*\b'
done | sort -u >"$words"

# Each export (but the programs' main()): "other" (another file of daemon/ calls it), "tests"
# (named in tests/ only) or "own" (its own file only).
awk 'FILENAME == ARGV[1] { if (!(($1, $2) in by)) { by[$1, $2] = 1; users[$1]++ }; next }
     FILENAME == ARGV[2] { named[$1] = 1; next }
     $1 == "main" { next }
     { other = users[$1] - (($1, $2) in by)
       print $1, $2, (other > 0 ? "other" : $1 in named ? "tests" : "own") }' \
        "$uses" "$words" <(sort -u "$defs") >"$T_TMP/exports"
n=$(wc -l <"$T_TMP/exports") own=0
while read -r sym file where; do
        case $where in
        other) continue ;;
        tests) echo "# $sym ($file): called by the tests only"; continue ;;
        esac
        own=$((own + 1))
        fail "$sym ($file) is exported but used in its own file only: make it static (or remove it)"
done <"$T_TMP/exports"
[ "$n" -gt 0 ] || fail "no exported function found in $BIN/obj"
ok "$n exported functions of daemon/, $own used in their own file only"
t_done
