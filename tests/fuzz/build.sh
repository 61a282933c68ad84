#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang -fsanitize=fuzzer,address,undefined) into OUT (default
# build/fuzz), compiling the daemon sources each one needs directly into it. Used by `make fuzz`
# and tests/test-fuzz-corpus.sh; rebuilds only what is older than its sources.
#   tests/fuzz/build.sh [OUT]        FUZZ_CC=clang-14 to choose the compiler
set -eu
cd "$(dirname "$0")/../.."
OUT=${1:-build/fuzz}
CC=${FUZZ_CC:-clang}
mkdir -p "$OUT"
WARN="-Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes"
CFLAGS="-std=gnu17 -D_GNU_SOURCE $WARN -g -O1 -fno-omit-frame-pointer
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        $(pkg-config --cflags yaml-0.1 lunar-date-3.0) -DDUTYD_SYSCONFDIR=\"/etc\"
        -DDUTYD_DATADIR=\"/nonexistent/dutyd-fuzz\" -Idaemon/core -Idaemon/config"

build() { # name, daemon sources...
        local name=$1; shift
        local bin=$OUT/$name srcs=(tests/fuzz/$name.c "$@") f
        local stale=0
        [ -x "$bin" ] || stale=1
        for f in "${srcs[@]}" daemon/core/*.h daemon/config/*.h tests/fuzz/build.sh; do
                [ "$f" -nt "$bin" ] && stale=1
        done
        [ "$stale" = 1 ] || return 0
        echo "  FUZZ-CC $bin"
        # shellcheck disable=SC2086
        $CC $CFLAGS -DFUZZ_HOLIDAYS="\"$PWD/config/holidays-cn.yaml\"" -o "$bin.tmp" "${srcs[@]}" \
                $(pkg-config --libs yaml-0.1 lunar-date-3.0 glib-2.0) -lm
        mv "$bin.tmp" "$bin"
}

# The config loader is a layer of its own (daemon/config/) over a few pure core modules: the
# config model and its pool among them.
build fuzz-config daemon/config/*.c daemon/core/config.c daemon/core/pool.c \
        daemon/core/hashmap.c daemon/core/rule.c daemon/core/phrase.c daemon/core/eventrule.c \
        daemon/core/schedule.c \
        daemon/core/calendar.c daemon/core/date.c daemon/core/util.c
build fuzz-phrase daemon/core/rule.c daemon/core/phrase.c daemon/core/date.c daemon/core/util.c
