#!/usr/bin/env bash
# The Debian package, as an administrator gets it: built from the tree with
# `dpkg-buildpackage -us -uc -b`, lintian clean (no error, no warning), installed with
# `apt-get install ./dutyd_*.deb` on a bare Debian 12 booted with systemd (fresh-root.sh), and
# then: the units enabled and running, the user and the credentials folder made, the man pages
# found, root recording a completion; removed (the config and the state stay, nothing runs);
# purged (both gone).
#
# Skips without root, systemd-nspawn or the Debian mirror, with DUTYD_SKIP_FRESH=1, and when
# dpkg-buildpackage/debhelper/lintian are missing (make deps installs them).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fresh-root.sh"

skip() { ok "# SKIP $1"; t_done; exit 0; }
comment() { sed 's/^/# /'; }

[ "${DUTYD_SKIP_FRESH:-}" = 1 ] && skip "DUTYD_SKIP_FRESH set"
for c in dpkg-buildpackage dh lintian; do command -v $c >/dev/null || skip "no $c (make deps)"; done
if r=$(fr_skip_reason); then skip "$r"; fi
trap fr_cleanup EXIT
trap 'exit 130' INT TERM

ver=$(sed -n 's/^VERSION := //p' "$TOP/Makefile")
src=$T_TMP/src/dutyd-$ver
mkdir -p "$src"
fr_copy_tree "$TOP" "$src" || { fail "tree copied"; t_done; exit 1; }
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$T_TMP/build.log" 2>&1
rc=$?
check_eq "dpkg-buildpackage -us -uc -b exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || { tail -30 "$T_TMP/build.log" | comment; t_done; exit 1; }
deb=$(ls "$T_TMP"/src/dutyd_"$ver"_*.deb 2>/dev/null | head -1)
check "the package was made" test -s "$deb"
echo "# $(basename "$deb"): $(stat -c %s "$deb") bytes, installed size $(dpkg-deb -f "$deb" Installed-Size) KiB"
lintian --fail-on error,warning "$T_TMP"/src/dutyd_"$ver"_*.changes >"$T_TMP/lintian.log" 2>&1
check_eq "lintian: no error and no warning" 0 $?
grep -v 'root privileges' "$T_TMP/lintian.log" | comment
listing=$(dpkg-deb -c "$deb")
for f in ./usr/bin/dutyd ./usr/bin/dutyctl ./usr/libexec/dutyd/dutyctl-full \
        ./lib/systemd/system/dutyd.service \
        ./lib/systemd/system/dutyd.socket ./usr/share/dutyd/holidays-cn.yaml \
        ./usr/share/man/man1/dutyctl.1.gz ./usr/share/man/man8/dutyd.8.gz \
        ./usr/share/man/man5/dutyd.yaml.5.gz ./usr/share/bash-completion/completions/dutyctl \
        ./usr/lib/systemd/catalog/dutyd.catalog; do
        check "the package has $f" grep -q " $f\$" <<<"$listing"
done
check_eq "conffiles: the config and the holiday data" "/etc/dutyd/dutyd.yaml /etc/dutyd/holidays-cn.yaml" \
        "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles | tr '\n' ' ' | sed 's/ $//')"

root=$T_TMP/root
if fr_make_root "$root"; then ok "fresh $FR_SUITE root ($FR_HOW)"
elif [ "$FR_FETCH_FAILED" = 1 ]; then skip "debootstrap cannot fetch from $FR_MIRROR"
else fail "fresh root"; t_done; exit 1; fi
fr_prepare "$root" && cp "$deb" "$root/root/" || { fail "package copied in"; t_done; exit 1; }
fr_boot "$root" "dutyd-deb-$$" || { fail "booted"; t_done; exit 1; }
ok "booted"
name=$(basename "$deb")
fr_run sh -c "cd /root && apt-get update -q && apt-get install -y -q --no-install-recommends ./$name man-db" \
        </dev/null >"$T_TMP/install.log" 2>&1
rc=$?
check_eq "apt-get install ./$name exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -20 "$T_TMP/install.log" | comment
for u in dutyd.socket dutyd.service; do
        check_eq "$u is enabled" enabled "$(fr_run systemctl is-enabled "$u")"
        if fr_wait 10 fr_run systemctl is-active --quiet "$u"; then ok "$u is active"; else
                fail "$u is active"; fr_run journalctl --no-pager -n 20 -u "$u" 2>&1 | comment; fi
done
check "the user dutyd exists" fr_run id dutyd
check_eq "the credentials folder is root's, 0700" "700 root" \
        "$(fr_run stat -c '%a %U' /etc/dutyd/credentials)"
check "man dutyctl finds the page" fr_run man -w dutyctl
check "man 5 dutyd.yaml finds the page" fr_run man -w 5 dutyd.yaml
check_eq "dutyctl --version" "dutyctl $ver" "$(fr_run dutyctl --version)"
check "dutyctl check on the shipped config" fr_run dutyctl check
check "root records a completion on the installed package" fr_run sh -c \
        'id=$(dutyctl upcoming --json | head -n1 | sed "s/^{\"id\": *\"\([^\"]*\)\".*/\1/") &&
         dutyctl done "$id" --note 软件包验证 && dutyctl history | grep -q 软件包验证'
check "dutyctl report, a verb of dutyctl-full, on the installed package" fr_run sh -c \
        'dutyctl report --period 2026 --format csv | grep -q .'

fr_run sh -c 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -q dutyd' </dev/null >"$T_TMP/remove.log" 2>&1
check_eq "apt-get remove exits 0" 0 $?
check "removed: no dutyctl" fr_run sh -c '! command -v dutyctl'
check "removed: no dutyctl-full" fr_run sh -c '! test -e /usr/libexec/dutyd/dutyctl-full'
check "removed: nothing runs" fr_run sh -c '! systemctl is-active --quiet dutyd.service && ! systemctl is-active --quiet dutyd.socket'
check "removed: the config stays" fr_run test -f /etc/dutyd/dutyd.yaml
check "removed: the state stays" fr_run test -f /var/lib/dutyd/state.db
fr_run sh -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q dutyd' </dev/null >"$T_TMP/purge.log" 2>&1
check_eq "apt-get purge exits 0" 0 $?
check "purged: no /etc/dutyd" fr_run sh -c '! test -e /etc/dutyd'
check "purged: no state" fr_run sh -c '! test -e /var/lib/dutyd'
check_eq "purged: dpkg knows nothing of it" "" "$(fr_run dpkg-query -W -f='${Status}' dutyd 2>/dev/null)"
t_done
