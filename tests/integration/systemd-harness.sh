# shellcheck shell=bash
# systemd-harness.sh — boot a real systemd (PID 1) in a throw-away container for system tests.
# Source it (after tests/lib.sh); needs root and systemd-nspawn (Debian: systemd-container).
# Recipe: ../shared/systemd-in-ci.md. A boot takes about a second.
#
# What it does: `make install PREFIX=/usr/local DESTDIR=<temp>` of THIS tree (the host's
# /usr/local is not touched), then boots `systemd-nspawn -D / --volatile=yes --private-network`:
# the host's /usr read-only under an empty tmpfs root, with the temp install overlaid
# (read-only) on /usr/local, and a network of its own (only its loopback: nothing it binds,
# 8027 included, meets the host's ports or a dutyd installed on the host).
# So inside the container dutyd is /usr/local/bin/dutyd, its units are in
# /usr/local/lib/systemd/system, its catalog in /usr/local/lib/systemd/catalog, and
# /etc/dutyd is a copy of what `make install` put there (container /etc is a tmpfs). dutyd.service
# and dutyd.socket start disabled and stopped (a preset): tests enable/start them. Nothing of
# the host changes; everything goes away at power-off.
#
# Functions:
#   ns_skip_reason          prints why a system test cannot run here (not root, no nspawn…);
#                           prints nothing and returns 1 when it can. Use: r=$(ns_skip_reason) &&
#                           { echo "ok 1 - # SKIP $r"; t_done; exit 0; }
#   ns_boot [NAME]          install, boot, wait until `is-system-running` is running|degraded
#                           (timeout NS_BOOT_TIMEOUT, default 30 s). Sets NS_LEADER (the
#                           container's PID 1 as seen from the host), NS_PID (systemd-nspawn),
#                           NS_NAME, NS_DEST (temp DESTDIR), NS_LOG (console log). Installs an
#                           EXIT trap that powers off and cleans up. NS_INSTALL=0 skips the
#                           `make install` (then nothing is overlaid); NS_MAKE_ARGS are passed to
#                           make (e.g. BUILD=build/asan).
#   ns_run CMD…             run CMD inside the container (nsenter -t NS_LEADER -a), stdin/stdout
#                           pass through; returns CMD's status. E.g. ns_run systemctl start dutyd
#                           (LANGUAGE=zh_CN: dutyctl's messages in Chinese, NS_ENV)
#   ns_sh 'SCRIPT'          ns_run sh -c 'SCRIPT'
#   ns_write PATH [MODE]    write stdin to PATH inside the container (parents created).
#   ns_path PATH            the host's path to PATH inside the container (/proc/LEADER/root/…),
#                           to read files the container writes.
#   ns_bg CMD…              start CMD inside the container in the background; sets NS_BG_PID
#                           (it ends with the container at power-off at the latest).
#   ns_install_file SRC DST copy a host file to DST inside the container.
#   ns_install_config FILE [HOLIDAYS]
#                           FILE → /etc/dutyd/dutyd.yaml, HOLIDAYS (default: the tree's
#                           config/holidays-cn.yaml) → /etc/dutyd/holidays-cn.yaml.
#   ns_unit NAME            write stdin to /etc/systemd/system/NAME and daemon-reload
#                           (NAME may be "dutyd.service.d/x.conf" for a drop-in).
#   ns_wait TIMEOUT CMD…    poll (every 0.1 s) until CMD succeeds, up to TIMEOUT seconds;
#                           CMD runs on the host, so wrap container commands: ns_wait 5 ns_run …
#   ns_wait_active UNIT [TIMEOUT]   until `systemctl is-active UNIT` says active (default 10 s).
#   ns_prop UNIT PROP       `systemctl show -p PROP --value UNIT`, e.g. ns_prop dutyd StatusText
#   ns_journal ARGS…        journalctl --no-pager ARGS… inside the container.
#   ns_poweroff             power off and wait (poll, NS_STOP_TIMEOUT default 20 s; then
#                           SIGTERM/SIGKILL of our own systemd-nspawn only), remove NS_DEST.
#                           Idempotent; called from the EXIT trap. If you replace the EXIT trap,
#                           call ns_cleanup from yours.
#
# Example:
#   . tests/lib.sh; . tests/integration/systemd-harness.sh
#   ns_boot
#   ns_install_config tests/config/good/x.yaml
#   ns_run systemctl enable --now dutyd.socket dutyd.service
#   ns_wait_active dutyd.service
#   check_eq status "…" "$(ns_prop dutyd StatusText)"
#   t_done      # the EXIT trap powers the container off

NS_BOOT_TIMEOUT=${NS_BOOT_TIMEOUT:-30}
NS_STOP_TIMEOUT=${NS_STOP_TIMEOUT:-20}
NS_LEADER='' NS_PID='' NS_NAME='' NS_DEST='' NS_LOG=''
_NS_TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

ns_skip_reason() {
        if [ "$(id -u)" -ne 0 ]; then echo "needs root"; return 0; fi
        if ! command -v systemd-nspawn >/dev/null; then echo "no systemd-nspawn (systemd-container)"; return 0; fi
        if ! command -v nsenter >/dev/null; then echo "no nsenter"; return 0; fi
        if [ ! -x /lib/systemd/systemd ]; then echo "no systemd installed"; return 0; fi
        return 1
}

ns_wait() { # TIMEOUT CMD...
        local timeout=$1; shift
        local end=$((SECONDS + timeout)) # SECONDS is whole seconds: allow up to one more
        while :; do
                "$@" >/dev/null 2>&1 && return 0
                [ "$SECONDS" -gt "$end" ] && return 1
                sleep 0.1
        done
}

# The installed programs speak Chinese (LANGUAGE=zh_CN), as the tests' assertions are written,
# from the installed catalog: the build tree's (the host's $DUTYD_LOCALEDIR) is not in there.
# dutyd under systemd has the container's locale (English): its journal and STATUS= are English.
NS_ENV=(-u DUTYD_LOCALEDIR LC_ALL=C.UTF-8 LANGUAGE=zh_CN)
ns_run() {
        [ -n "$NS_LEADER" ] || { echo "ns_run: no container booted" >&2; return 125; }
        nsenter -t "$NS_LEADER" -a env "${NS_ENV[@]}" SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 "$@"
}
ns_sh() { ns_run sh -c "$1"; }
ns_path() { echo "/proc/$NS_LEADER/root$1"; }
ns_bg() {
        nsenter -t "$NS_LEADER" -a env "${NS_ENV[@]}" "$@" </dev/null &
        NS_BG_PID=$!
}

ns_write() { # PATH [MODE] < content
        ns_run sh -c 'mkdir -p "$(dirname "$1")" && cat >"$1" && chmod "$2" "$1"' sh "$1" "${2:-0644}"
}
ns_install_file() { ns_write "$2" "${3:-0644}" <"$1"; }
ns_install_config() { # FILE [HOLIDAYS]
        ns_install_file "$1" /etc/dutyd/dutyd.yaml &&
                ns_install_file "${2:-$_NS_TOP/config/holidays-cn.yaml}" /etc/dutyd/holidays-cn.yaml
}
ns_unit() { # NAME < content
        ns_write "/etc/systemd/system/$1" && ns_run systemctl daemon-reload
}
ns_prop() { ns_run systemctl show -p "$2" --value "$1"; }
ns_journal() { ns_run journalctl --no-pager "$@"; }
_ns_active() { [ "$(ns_run systemctl is-active "$1")" = active ]; }
ns_wait_active() { ns_wait "${2:-10}" _ns_active "$1"; }
_ns_booted() {
        local s
        s=$(ns_run systemctl is-system-running 2>/dev/null)
        [ "$s" = running ] || [ "$s" = degraded ]
}
_ns_find_leader() { NS_LEADER=$(pgrep -P "$NS_PID" -x systemd | head -n1) && [ -n "$NS_LEADER" ]; }

ns_boot() { # [NAME]
        local r
        if r=$(ns_skip_reason); then echo "ns_boot: $r" >&2; return 1; fi
        NS_NAME=${1:-dutyd-test-$$}
        NS_DEST=$(mktemp -d /tmp/dutyd-ns.XXXXXX)
        NS_LOG=$NS_DEST.log
        trap ns_cleanup EXIT
        trap 'exit 130' INT TERM
        local mounts=()
        if [ "${NS_INSTALL:-1}" != 0 ]; then
                # shellcheck disable=SC2086
                if ! make -C "$_NS_TOP" --no-print-directory -s install PREFIX=/usr/local \
                        DESTDIR="$NS_DEST" ${NS_MAKE_ARGS:-} >"$NS_DEST.make.log" 2>&1; then
                        echo "ns_boot: make install failed:" >&2; tail -20 "$NS_DEST.make.log" >&2
                        return 1
                fi
                # The empty /etc makes this a first boot, where `preset-all` would enable and
                # start dutyd before any test has written its config: disable it by preset.
                printf 'disable dutyd.service\ndisable dutyd.socket\n' >"$NS_DEST.preset"
                mounts=(--overlay-ro="/usr/local:$NS_DEST/usr/local:/usr/local"
                        --bind-ro="$NS_DEST:/run/dutyd-dest"
                        --bind-ro="$NS_DEST.preset:/etc/systemd/system-preset/00-dutyd-test.preset")
        fi
        # Only loopback here: systemd-networkd-wait-online, masked from the start, would hold
        # network-online.target (which dutyd.service, and whatever the host has installed, e.g.
        # nginx, is After=) for its 2-minute timeout.
        systemd-nspawn -q -D / --volatile=yes --private-network -M "$NS_NAME" -b --register=no \
                --keep-unit \
                --bind-ro=/dev/null:/etc/systemd/system/systemd-networkd-wait-online.service \
                "${mounts[@]}" -- systemd.firstboot=off >"$NS_LOG" 2>&1 </dev/null &
        NS_PID=$!
        if ! ns_wait 10 _ns_find_leader; then
                echo "ns_boot: no container PID 1 after 10 s; console:" >&2; tail -20 "$NS_LOG" >&2
                return 1
        fi
        if ! ns_wait "$NS_BOOT_TIMEOUT" _ns_booted; then
                echo "ns_boot: not running after ${NS_BOOT_TIMEOUT}s: $(ns_run systemctl is-system-running)" >&2
                tail -20 "$NS_LOG" >&2
                return 1
        fi
        if [ "${NS_INSTALL:-1}" != 0 ]; then
                # /etc of the install (config, holidays) into the container's /etc; the catalog.
                ns_sh 'cp -a /run/dutyd-dest/etc/. /etc/ && journalctl --update-catalog' || return 1
                ns_run systemctl daemon-reload || return 1
        fi
        return 0
}

ns_poweroff() {
        [ -n "$NS_PID" ] || return 0
        if kill -0 "$NS_PID" 2>/dev/null; then
                [ -n "$NS_LEADER" ] && ns_run systemctl poweroff --no-block >/dev/null 2>&1
                if ! ns_wait "$NS_STOP_TIMEOUT" _ns_gone; then
                        echo "# ns_poweroff: container did not stop; terminating nspawn $NS_PID" >&2
                        kill -TERM "$NS_PID" 2>/dev/null
                        ns_wait 5 _ns_gone || kill -KILL "$NS_PID" 2>/dev/null
                fi
        fi
        wait "$NS_PID" 2>/dev/null
        NS_PID='' NS_LEADER=''
        return 0
}
_ns_gone() { ! kill -0 "$NS_PID" 2>/dev/null; }

ns_cleanup() {
        ns_poweroff
        if [ -n "$NS_DEST" ]; then
                rm -rf "$NS_DEST" "$NS_DEST.make.log" "$NS_DEST.preset"
                [ -n "${NS_KEEP_LOG:-}" ] || rm -f "$NS_LOG"
                NS_DEST=''
        fi
        [ -n "${T_TMP:-}" ] && rm -rf "$T_TMP"
        return 0
}
