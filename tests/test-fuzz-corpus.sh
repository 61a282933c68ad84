#!/usr/bin/env bash
# Fuzz corpus regression: every file of tests/fuzz/corpus-config, tests/fuzz/corpus-phrase and
# tests/fuzz/crashes/ (config-* and phrase-* inputs that once crashed) is run once through the
# libFuzzer harnesses (ASan+UBSan; tests/fuzz/build.sh builds them into build/fuzz). No fuzzing:
# deterministic and a few seconds. `make fuzz` does the fuzzing itself.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
        echo "ok 1 - # SKIP clang not installed"
        exit 0
fi
OUT=$TOP/build/fuzz
if ! tests/fuzz/build.sh "$OUT" >"$T_TMP/build" 2>&1; then
        fail "fuzz harnesses build"; sed 's/^/# /' "$T_TMP/build" | head -30; t_done; exit 1
fi
ok "fuzz harnesses build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

replay() { # name harness files...
        local name=$1 h=$2; shift 2
        if [ $# -eq 0 ]; then ok "$name # SKIP no input"; return; fi
        if "$OUT/$h" -runs=1 -timeout=30 -rss_limit_mb=4096 "$@" </dev/null >"$T_TMP/log" 2>&1; then
                ok "$name ($# inputs)"
        else
                fail "$name"
                local what='Running: |^fuzz-|ERROR: [A-Z]|runtime error|SUMMARY'
                grep -aE "$what|#[0-9]+ .*(daemon|tests/fuzz)/" "$T_TMP/log" | head -30 | sed 's/^/# /'
        fi
}

shopt -s nullglob
replay "config corpus replays cleanly" fuzz-config tests/fuzz/corpus-config/*
replay "phrase corpus replays cleanly" fuzz-phrase tests/fuzz/corpus-phrase/*
# One test per saved crash, so that each one is named.
for f in tests/fuzz/crashes/config-* tests/fuzz/crashes/phrase-*; do
        h=fuzz-config
        [[ $(basename "$f") == phrase-* ]] && h=fuzz-phrase
        replay "crash $(basename "$f") stays fixed" "$h" "$f"
done
t_done
