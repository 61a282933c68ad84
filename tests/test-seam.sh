#!/usr/bin/env bash
# The seam between the pure layers and the rest (daemon/README.md): `make seam` compiles
# daemon/core and daemon/config with SQLite's, curl's, microhttpd's and systemd's headers
# shadowed by #error, each folder with its own layer's include path. The probes show that the
# check fails when core code reaches for one of those headers or for a header of a layer above.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
if make -s seam >"$T_TMP/out" 2>&1; then ok "make seam: core and config are pure"; else
        fail "make seam"; sed 's/^/# /' "$T_TMP/out" | head -20; fi
probe() { # NAME EXPECT(pass|fail) C-TEXT
        printf '%s\n' "$3" >"$T_TMP/probe.c"
        if make -s seam SEAM_PROBE="$T_TMP/probe.c" >"$T_TMP/out" 2>&1; then got=pass; else got=fail; fi
        if [ "$got" = "$2" ]; then ok "$1"; else fail "$1 (got $got)"; sed 's/^/# /' "$T_TMP/out" | head -5; fi
}
probe "a core file using date.h passes" pass '#include "date.h"
int probe(void);
int probe(void) { return day_from_ymd(2026, 12, 1) > 0; }'
probe "a core file including sqlite3.h fails" fail '#include <sqlite3.h>'
probe "a core file including curl/curl.h fails" fail '#include <curl/curl.h>'
probe "a core file including systemd/sd-event.h fails" fail '#include <systemd/sd-event.h>'
probe "a core file including a state header fails" fail '#include "store.h"'
t_done
