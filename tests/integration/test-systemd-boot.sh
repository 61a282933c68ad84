#!/usr/bin/env bash
# Self-test of systemd-harness.sh: boot systemd in a container with this tree installed, run a
# tiny Type=notify unit, read its STATUS= text back, check the journal and our units and catalog
# are visible, power off. Skips when not root or without systemd-nspawn.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/systemd-harness.sh"

if r=$(ns_skip_reason); then
        echo "ok 1 - # SKIP $r"
        t_done
        exit 0
fi

start=$SECONDS
if ns_boot; then ok "container booted ($((SECONDS - start)) s)"; else
        fail "container booted"; t_done; exit 1; fi
state=$(ns_run systemctl is-system-running)
check "is-system-running is running|degraded ($state)" test "$state" = running -o "$state" = degraded
[ "$state" = degraded ] && echo "# failed units: $(ns_run systemctl list-units --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' ')"

# A Type=notify unit: a shell reports READY=1 with a Chinese status. NotifyAccess=all because
# systemd-notify is a child of the main process.
ns_unit notify-probe.service <<'EOF'
[Service]
Type=notify
NotifyAccess=all
ExecStart=/bin/sh -c 'echo probe-started; systemd-notify --ready --status="测试 下次提醒"; exec sleep infinity'
EOF
check "notify unit starts (start waits for READY=1)" ns_run timeout 20 systemctl start notify-probe.service
check_eq "StatusText read back" "测试 下次提醒" "$(ns_prop notify-probe.service StatusText)"
check_eq "ActiveState" "active" "$(ns_prop notify-probe.service ActiveState)"
check "journal has the unit's output" ns_wait 5 ns_sh 'journalctl -u notify-probe.service -o cat | grep -qx probe-started'
check "unit stops" ns_run timeout 20 systemctl stop notify-probe.service
check_eq "inactive after stop" "inactive" "$(ns_prop notify-probe.service ActiveState)"

# The tree's install is visible in the container.
check "dutyd installed at /usr/local/bin/dutyd" ns_run test -x /usr/local/bin/dutyd
check "/etc/dutyd/dutyd.yaml present" ns_run test -s /etc/dutyd/dutyd.yaml
check_eq "dutyd.service loaded from /usr/local" "/usr/local/lib/systemd/system/dutyd.service" \
        "$(ns_prop dutyd.service FragmentPath)"
check_eq "dutyd.socket listens on 127.0.0.1:8027" "127.0.0.1:8027" "$(ns_prop dutyd.socket Listen | sed 's/ (Stream)$//')"
vout=$(ns_sh 'cd /tmp && systemd-analyze verify dutyd.service dutyd.socket 2>&1'); vrc=$?
[ -n "$vout" ] && echo "$vout" | sed 's/^/# verify: /'
check "systemd-analyze verify of the installed units in the container: clean" test "$vrc" -eq 0 -a -z "$vout"
cat_id=$(sed -n 's/^-- \([0-9a-f]\{32\}\).*/\1/p' "$TOP/units/dutyd.catalog" | head -n1)
check "catalog entry $cat_id known to journalctl" ns_sh "journalctl --list-catalog $cat_id | grep -q dutyd"
check "ns_install_config writes the config" ns_install_config "$TOP/config/dutyd.yaml"
check_eq "config copied" "$(md5sum <"$TOP/config/dutyd.yaml")" "$(ns_run cat /etc/dutyd/dutyd.yaml | md5sum)"

# The shipped dutyd.service and dutyd.socket, with all their sandboxing, running a stand-in for
# the daemon (python3 keeping dutyd's sd_notify contract: READY/STATUS, RELOADING=1 with
# MONOTONIC_USEC on SIGHUP, STOPPING=1 on SIGTERM, WATCHDOG=1; one line per connection on the
# passed socket). Proves the unit itself works before the daemon does.
ns_write /etc/dutyd-standin/standin.py <<'PY'
import os, signal, socket, sys, time
def notify(msg):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    a = os.environ["NOTIFY_SOCKET"]
    s.sendto(msg.encode(), "\0" + a[1:] if a.startswith("@") else a)
state = os.environ["STATE_DIRECTORY"]
with open(os.path.join(state, "state.db"), "a") as f:
    f.write("x")
creds = sorted(os.listdir(os.environ.get("CREDENTIALS_DIRECTORY", "/nonexistent")))
nfds = int(os.environ.get("LISTEN_FDS", "0")) if os.environ.get("LISTEN_PID") == str(os.getpid()) else 0
lst = socket.socket(fileno=3) if nfds else None
status = "测试 creds=%s fds=%d state=%s" % (",".join(creds), nfds, state)
print("standin ready", status, flush=True)
reloads = 0
def on_hup(*_):
    global reloads, status
    notify("RELOADING=1\nSTATUS=Reloading…\nMONOTONIC_USEC=%d" % (time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000))
    reloads += 1
    status = "reloaded %d" % reloads
    notify("READY=1\nSTATUS=" + status)
def on_term(*_):
    notify("STOPPING=1")
    print("standin stopping", flush=True)
    sys.exit(0)
signal.signal(signal.SIGHUP, on_hup)
signal.signal(signal.SIGTERM, on_term)
notify("READY=1\nSTATUS=" + status)
wd = int(os.environ.get("WATCHDOG_USEC", "0")) / 2e6 or None
if lst: lst.settimeout(wd)
while True:
    if wd: notify("WATCHDOG=1")
    if lst:
        try:
            c, _ = lst.accept()
            c.sendall(("feed ok " + status + "\n").encode()); c.close()
        except (socket.timeout, InterruptedError):
            pass
    else:
        time.sleep(wd or 3600)
PY
ns_unit dutyd.service.d/standin.conf <<'UNIT'
[Service]
ExecStart=
ExecStart=/usr/bin/python3 /etc/dutyd-standin/standin.py
UNIT
ns_sh '(umask 077; echo s3cret >/etc/dutyd/credentials/smtp-password)'
check "systemctl enable --now dutyd.socket dutyd.service (stand-in)" \
        ns_run timeout 30 systemctl enable --now dutyd.socket dutyd.service
st=$(ns_prop dutyd.service StatusText)
echo "# StatusText: $st"
check_eq "stand-in STATUS: credential dir loaded (+ the placeholder), socket passed, state dir" \
        "测试 creds=dutyd,dutyd_smtp-password fds=1 state=/var/lib/dutyd" "$st"
check_eq "watchdog armed" 30s "$(ns_prop dutyd.service WatchdogUSec)"
main_uid=$(ns_sh 'stat -c %u /proc/$(systemctl show -p MainPID --value dutyd)')
check_eq "runs as the static user dutyd (sysusers.d)" "$(ns_run id -u dutyd)" "$main_uid"
check "state in /var/lib/dutyd" ns_run test -s /var/lib/dutyd/state.db
check_eq "state folder dutyd:dutyd 2770 (setgid: the group's)" "dutyd:dutyd 2770" \
        "$(ns_run stat -c '%U:%G %a' /var/lib/dutyd)"
check_eq "credentials folder root's only (tmpfiles.d / make install)" "root:root 700" \
        "$(ns_run stat -c '%U:%G %a' /etc/dutyd/credentials)"
check "no warning about the credentials folder's mode" \
        ns_sh '! journalctl -u dutyd -o cat | grep -q "already exists but the mode is different"'
check_eq "feed port 8027 served through the socket" "feed ok $st" \
        "$(ns_run python3 -c 'import socket; s=socket.create_connection(("127.0.0.1", 8027), 5); print(s.recv(200).decode().strip())')"
check "systemctl reload" ns_run timeout 20 systemctl reload dutyd.service
check "STATUS after reload" ns_wait 5 ns_sh '[ "$(systemctl show -p StatusText --value dutyd)" = "reloaded 1" ]'
check_eq "still active after reload" active "$(ns_prop dutyd.service ActiveState)"
check "stop" ns_run timeout 30 systemctl stop dutyd.service
check_eq "clean stop (Result ActiveState)" "success inactive" \
        "$(ns_prop dutyd.service Result) $(ns_prop dutyd.service ActiveState)"
check "journal has the stand-in's stop line" ns_sh 'journalctl -u dutyd -o cat | grep -q "standin stopping"'
check "starts with an empty credentials dir" \
        ns_sh 'rm -f /etc/dutyd/credentials/* && timeout 30 systemctl start dutyd.service'
ns_run systemctl stop dutyd.service 2>/dev/null
check "starts with no credentials dir (SetCredential= fallback)" \
        ns_sh 'rmdir /etc/dutyd/credentials && timeout 30 systemctl start dutyd.service'
ns_run systemctl stop dutyd.service 2>/dev/null
ns_unit dutyd.service.d/standin.conf <<'UNIT'
[Service]
ExecStart=
ExecStart=/bin/sh -c 'exit 78'
UNIT
ns_run timeout 30 systemctl start dutyd.service >/dev/null 2>&1
# A scheduled restart would show SubState=auto-restart (RestartSec=5s) instead; on a loaded
# machine the start itself may still be settling, so wait for it to leave "activating".
_unit_settled() { [ "$(ns_prop dutyd.service ActiveState)" != activating ]; }
ns_wait 10 _unit_settled
check_eq "exit 78 (invalid config): failed, no restart scheduled" "failed failed" \
        "$(ns_prop dutyd.service ActiveState) $(ns_prop dutyd.service SubState)"
ns_run rm -rf /etc/systemd/system/dutyd.service.d
ns_run systemctl daemon-reload

start=$SECONDS
ns_poweroff
check "powered off ($((SECONDS - start)) s)" test -z "$NS_PID"
t_done
