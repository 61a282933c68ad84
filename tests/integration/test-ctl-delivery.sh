#!/usr/bin/env bash
# dutyctl send-test and dutyctl outbox through a YAML config (secrets from files) against the
# local vendor sink: a signed webhook and a signed DingTalk message are delivered; a wrong
# DingTalk secret is reported as failed, listed by `outbox --failed`, and the secret never shows.
. "$(dirname "$0")/../lib.sh"
CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
T=$T_TMP
trap 'kill $SINK_PID 2>/dev/null; rm -rf "$T"' EXIT
start_sink "$T/sink" --wecom-key wk --dingtalk-token dt --dingtalk-secret SECding \
        --feishu-token ft --feishu-secret fs --hook-secret hooksecret || fail "sink started"
P=$SINK_PORT
printf 'hooksecret\n' >"$T/hook.secret"; printf 'SECding' >"$T/ding.secret"
printf 'SECwrong-do-not-print' >"$T/wrong.secret"
cat >"$T/c.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
posts: [{id: zz, name: 镇长}]
channels:
  - {id: hook, type: webhook, url: "http://127.0.0.1:$P/hook/x", secret: {file: $T/hook.secret}}
  - {id: ding, type: dingtalk, url: "http://127.0.0.1:$P/dingtalk/send?access_token=dt", secret: {file: $T/ding.secret}}
  - {id: bad, type: dingtalk, url: "http://127.0.0.1:$P/dingtalk/send?access_token=dt", secret: {file: $T/wrong.secret}}
YAML
out=$("$CTL" -c "$T/c.yaml" send-test hook 2>&1); rc=$?
check_eq "send-test webhook: exit 0" 0 "$rc"
check "send-test webhook: says delivered" grep -q '已送达通道 hook' <<<"$out"
check "sink verified the webhook signature" grep -q '"vendor": "hook".*"ok": true' "$T/sink/log.jsonl"
out=$("$CTL" -c "$T/c.yaml" send-test ding 2>&1); rc=$?
check_eq "send-test dingtalk (加签): exit 0" 0 "$rc"
check "sink verified the DingTalk signature" grep -q '"vendor": "dingtalk".*"ok": true' "$T/sink/log.jsonl"
out=$("$CTL" -c "$T/c.yaml" send-test bad 2>&1); rc=$?
check_eq "wrong secret: exit 1" 1 "$rc"
check "wrong secret: the vendor's reason is shown" grep -q '310000' <<<"$out"
check "wrong secret: the secret is not printed" bash -c "! grep -q SECwrong <<<'$out'"
out=$("$CTL" -c "$T/c.yaml" outbox --failed 2>&1)
check "outbox --failed lists it" grep -q 'bad' <<<"$out"
check_eq "outbox --failed lists only it" 1 "$(grep -c '失败' <<<"$out")"
check_eq "outbox --json: three rows" 3 "$("$CTL" -c "$T/c.yaml" outbox --json | wc -l)"
check "outbox never shows a secret" bash -c "! '$CTL' -c '$T/c.yaml' outbox --json | grep -q 'SEC'"
out=$("$CTL" -c "$T/c.yaml" send-test nope 2>&1); rc=$?
check_eq "unknown channel: exit 1" 1 "$rc"
t_done
