# shellcheck shell=bash
# fresh-root.sh — a bare Debian 12 machine, booted with systemd in a container, for tests that
# check what a user sees on a fresh install (test-readme-fresh.sh). Source it after tests/lib.sh.
# Needs root, systemd-nspawn (systemd-container), nsenter and debootstrap (installed with
# apt-get when missing), and the Debian mirror.
#
# Unlike systemd-harness.sh (the host's own /usr, read-only), this is a separate root made by
# debootstrap: nothing of the host's packages is visible, so a missing build dependency shows.
#
# Functions:
#   fr_skip_reason        prints why it cannot run here and returns 0; prints nothing and
#                         returns 1 when it can. Installs debootstrap when missing.
#   fr_make_root DIR      a pristine root in DIR (empty or absent): extracted from the cache
#                         FR_CACHE (reused when younger than FR_CACHE_DAYS), else debootstrapped
#                         (and the cache written, when it can be). Sets FR_HOW (how it was made);
#                         FR_FETCH_FAILED=1 when debootstrap failed to download.
#   fr_copy_tree TOP DST  the work tree of TOP (tracked + untracked-not-ignored, no build/, no
#                         .git) into DST.
#   fr_prepare DIR        what a configured machine has and debootstrap does not write: the
#                         host's resolv.conf, the bookworm-updates and security apt sources.
#   fr_boot DIR NAME      boot DIR with systemd as PID 1 and wait (FR_BOOT_TIMEOUT, 60 s) until
#                         it is running|degraded. Sets FR_PID (systemd-nspawn), FR_LEADER (its
#                         PID 1 as the host sees it), FR_CONSOLE (console log).
#   fr_wait SECS CMD…     poll CMD (on the host; wrap container commands in fr_run) until it
#                         succeeds, up to SECS seconds.
#   fr_run CMD…           CMD inside, as root, with a login-like clean environment.
#   fr_cleanup            power off (FR_STOP_TIMEOUT, 30 s; then our own nspawn PID is killed)
#                         and remove T_TMP. Meant for the EXIT trap.

FR_SUITE=${FR_SUITE:-bookworm}
FR_MIRROR=${FR_MIRROR:-http://deb.debian.org/debian}
# A minbase root has no init. systemd + systemd-sysv (/sbin/init) + dbus is what a minimal
# booted Debian has, and the least that `systemd-nspawn -b` and `systemctl` need. Nothing else:
# make, gcc, git… must come from the command under test.
FR_INCLUDE=${FR_INCLUDE:-systemd,systemd-sysv,dbus}
FR_CACHE_DIR=${FR_CACHE_DIR:-/var/cache/dutyd-test}
# The include list is in the name, so changing it never picks up a stale cache.
FR_CACHE=${FR_CACHE:-$FR_CACHE_DIR/$FR_SUITE-minbase+${FR_INCLUDE//,/+}.tar}
FR_CACHE_DAYS=${FR_CACHE_DAYS:-7}
FR_BOOTSTRAP_TIMEOUT=${FR_BOOTSTRAP_TIMEOUT:-1200}
FR_BOOT_TIMEOUT=${FR_BOOT_TIMEOUT:-60}
FR_STOP_TIMEOUT=${FR_STOP_TIMEOUT:-30}
FR_PID='' FR_LEADER='' FR_CONSOLE='' FR_HOW='' FR_FETCH_FAILED=0

fr_skip_reason() {
        if [ "$(id -u)" -ne 0 ]; then echo "needs root"; return 0; fi
        if ! command -v systemd-nspawn >/dev/null; then echo "no systemd-nspawn (systemd-container)"; return 0; fi
        if ! command -v nsenter >/dev/null; then echo "no nsenter"; return 0; fi
        if ! _fr_have_debootstrap; then echo "no debootstrap (and apt-get install debootstrap failed)"; return 0; fi
        if ! _fr_mirror_ok; then echo "Debian mirror $FR_MIRROR unreachable"; return 0; fi
        return 1
}

_fr_have_debootstrap() {
        command -v debootstrap >/dev/null && return 0
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
                debootstrap debian-archive-keyring >/dev/null 2>&1 </dev/null
        command -v debootstrap >/dev/null
}

# The mirror is needed even with a cached root (the command under test runs apt-get). Without
# curl there is no probe: debootstrap's own failure to fetch is then the signal.
_fr_mirror_ok() {
        command -v curl >/dev/null || return 0
        curl -fsSI --max-time 20 -o /dev/null "$FR_MIRROR/dists/$FR_SUITE/Release" 2>/dev/null
}

fr_make_root() { # DIR
        local dir=$1
        mkdir -p "$dir"
        if _fr_cache_fresh && _fr_extract "$FR_CACHE" "$dir"; then
                FR_HOW="cached $FR_CACHE"
                return 0
        fi
        # A missing, old or unreadable cache: build from scratch, into an empty DIR.
        rm -rf --one-file-system "$dir" && mkdir -p "$dir" || return 1
        _fr_debootstrap "$dir" || return 1
        _fr_write_cache "$dir"
        return 0
}

_fr_cache_fresh() {
        [ -f "$FR_CACHE" ] && [ -n "$(find "$FR_CACHE" -maxdepth 0 -mtime -"$FR_CACHE_DAYS")" ]
}

# Numeric owners and xattrs: the root's users are not the host's, and file capabilities count.
_fr_extract() { tar --numeric-owner --xattrs --xattrs-include='*' -xpf "$1" -C "$2" 2>/dev/null; }

_fr_debootstrap() { # DIR
        local log=$1.debootstrap.log start=$SECONDS
        if ! timeout "$FR_BOOTSTRAP_TIMEOUT" debootstrap --variant=minbase --include="$FR_INCLUDE" \
                "$FR_SUITE" "$1" "$FR_MIRROR" >"$log" 2>&1 </dev/null; then
                echo "fr_make_root: debootstrap failed:" >&2
                tail -20 "$log" >&2
                # The mirror answered the probe but not debootstrap: still "cannot fetch".
                # shellcheck disable=SC2034 # read by the sourcing test
                grep -qE "Couldn't download|Failed getting release file|Failed to retrieve" "$log" &&
                        FR_FETCH_FAILED=1
                return 1
        fi
        FR_HOW="debootstrap $((SECONDS - start)) s"
}

# Best effort: a cache that cannot be written only costs time next run. Written beside and
# renamed, so a concurrent or interrupted run never leaves half a tarball under the real name.
_fr_write_cache() { # DIR
        local tmp=$FR_CACHE.tmp.$$
        mkdir -p "$FR_CACHE_DIR" 2>/dev/null &&
                tar --numeric-owner --xattrs --xattrs-include='*' -cf "$tmp" -C "$1" . 2>/dev/null &&
                mv -f "$tmp" "$FR_CACHE" && FR_HOW="$FR_HOW, cached as $FR_CACHE" && return 0
        rm -f "$tmp"
        echo "# fr_make_root: could not write the cache $FR_CACHE (continuing without it)"
}

fr_copy_tree() { # TOP DST
        local top=$1 dst=$2
        git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
                { echo "fr_copy_tree: $top is not a git work tree" >&2; return 1; }
        mkdir -p "$dst" || return 1
        # -c lists tracked files deleted in the work tree too: copy only what exists.
        git -C "$top" ls-files -z -co --exclude-standard |
                while IFS= read -r -d '' f; do
                        case $f in build/*) continue ;; esac
                        [ -e "$top/$f" ] || [ -L "$top/$f" ] || continue
                        printf '%s\0' "$f"
                done |
                tar -C "$top" --null --no-recursion -T - -cf - | tar -C "$dst" -xpf -
}

fr_prepare() { # DIR
        local dir=$1
        # The host network is shared (no --private-network: apt-get inside must reach the
        # mirror), but the root's /etc/resolv.conf is its own; nspawn is told to leave it alone.
        cp -L /etc/resolv.conf "$dir/etc/resolv.conf" || return 1
        # debootstrap writes only "$FR_SUITE main"; an installed Debian also has these.
        local base=${FR_MIRROR%/debian}
        cat >>"$dir/etc/apt/sources.list" <<EOF
deb $FR_MIRROR $FR_SUITE-updates main
deb $base/debian-security $FR_SUITE-security main
EOF
}

fr_wait() { # TIMEOUT CMD...
        local end=$((SECONDS + $1)); shift
        until "$@" >/dev/null 2>&1; do
                [ "$SECONDS" -gt "$end" ] && return 1
                sleep 0.2
        done
}
_fr_find_leader() { FR_LEADER=$(pgrep -P "$FR_PID" -x systemd | head -n1) && [ -n "$FR_LEADER" ]; }
_fr_booted() {
        local s
        s=$(fr_run systemctl is-system-running 2>/dev/null)
        [ "$s" = running ] || [ "$s" = degraded ]
}
_fr_gone() { ! kill -0 "$FR_PID" 2>/dev/null; }

fr_boot() { # DIR NAME
        FR_CONSOLE=$1.console.log
        # --register=no --keep-unit: no systemd/machined on the host. systemd.firstboot=off:
        # the first-boot wizard would wait for a key. Host network on purpose (see fr_prepare).
        systemd-nspawn -q -D "$1" -b --register=no --keep-unit -M "$2" --resolv-conf=off \
                -- systemd.firstboot=off >"$FR_CONSOLE" 2>&1 </dev/null &
        FR_PID=$!
        if ! fr_wait 10 _fr_find_leader; then
                echo "fr_boot: no container PID 1 after 10 s; console:" >&2
                tail -20 "$FR_CONSOLE" >&2
                return 1
        fi
        if ! fr_wait "$FR_BOOT_TIMEOUT" _fr_booted; then
                echo "fr_boot: not running after ${FR_BOOT_TIMEOUT}s: $(fr_run systemctl is-system-running)" >&2
                tail -20 "$FR_CONSOLE" >&2
                return 1
        fi
}

# A root login's environment, not the test runner's (no host PATH, LC_ALL, ASAN_OPTIONS…).
# LANG=C.UTF-8 as Debian's installer and cloud images set it.
fr_run() {
        [ -n "$FR_LEADER" ] || { echo "fr_run: no container booted" >&2; return 125; }
        nsenter -t "$FR_LEADER" -a env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
                PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"
}

fr_poweroff() {
        [ -n "$FR_PID" ] || return 0
        if kill -0 "$FR_PID" 2>/dev/null; then
                [ -n "$FR_LEADER" ] && fr_run systemctl poweroff --no-block >/dev/null 2>&1
                if ! fr_wait "$FR_STOP_TIMEOUT" _fr_gone; then
                        echo "# fr_poweroff: container did not stop; terminating nspawn $FR_PID"
                        kill -TERM "$FR_PID" 2>/dev/null
                        fr_wait 5 _fr_gone || kill -KILL "$FR_PID" 2>/dev/null
                fi
        fi
        wait "$FR_PID" 2>/dev/null
        FR_PID='' FR_LEADER=''
}

fr_cleanup() {
        fr_poweroff
        # --one-file-system: should anything still be mounted in the root, never follow it.
        [ -n "${T_TMP:-}" ] && rm -rf --one-file-system "$T_TMP"
        return 0
}
