#!/usr/bin/env bash
# The bash completion (completion/dutyctl) under bash-completion, as a shell would call it:
# verbs from `dutyctl help`, a verb's options from its --help, and ids (posts, people, duties,
# channels, occurrences, feeds) from the configuration named with -c. Also `dutyctl ids`.
. "$(dirname "$0")/../lib.sh"
T=$T_TMP
trap 'rm -rf "$T"' EXIT
mkdir -p "$T"
BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ]; then ok "# SKIP bash-completion is not installed"; t_done; exit 0; fi
CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
mkdir -p "$T/bin" && ln -s "$CTL" "$T/bin/dutyctl"
printf 'x\n' >"$T/k"
cat >"$T/c.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
posts: [{id: shuji, name: 书记}, {id: zhenzhang, name: 镇长}]
people: [{id: zhang, name: 张三, posts: [shuji]}, {id: li, name: 李四, posts: [zhenzhang]}]
channels: [{id: qunhook, type: webhook, url: "http://127.0.0.1:9/h", secret: {file: $T/k}}]
duties:
  - {id: liyi, posts: [shuji, zhenzhang], title: 例会, rule: 每月25日前}
YAML
export DUTYD_CLOCK=2026-12-01
# complete WORDS...: what completing the last word (may be empty) offers, sorted, one line.
complete_words() {
        PATH="$T/bin:$PATH" bash -c '
                . '"$BC"' && . '"$TOP"'/completion/dutyctl || exit 9
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
                COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                _dutyctl dutyctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$@" | sed 's/ *$//'
}
check_eq "verbs: those of dutyctl help" \
        "check close console-link done done-link explain feeds help history ids outbox raise report send-test serve undo upcoming" \
        "$(complete_words dutyctl '')"
check_eq "verbs: ex → explain" "explain" "$(complete_words dutyctl ex)"
check_eq "options of upcoming: --p" "--person --post" "$(complete_words dutyctl upcoming --p)"
check_eq "options of check" "--explain --secrets" "$(complete_words dutyctl check --)"
check_eq "--post: the config's posts" "shuji zhenzhang" "$(complete_words dutyctl -c "$T/c.yaml" upcoming --post '')"
check_eq "--person z: people" "zhang" "$(complete_words dutyctl -c "$T/c.yaml" upcoming --person z)"
check_eq "--duty: duties" "liyi" "$(complete_words dutyctl --config "$T/c.yaml" history --duty '')"
check_eq "send-test: channels" "qunhook" "$(complete_words dutyctl -c "$T/c.yaml" send-test '')"
check_eq "console-link: people" "li zhang" "$(complete_words dutyctl -c "$T/c.yaml" console-link '')"
# From a month back (11-25) to three months ahead (to 2027-03-03).
check_eq "done: occurrences from a month back to three ahead" \
        "liyi:shuji:2026-11:1 liyi:shuji:2026-12:1 liyi:shuji:2027-01:1 liyi:shuji:2027-02:1 liyi:zhenzhang:2026-11:1 liyi:zhenzhang:2026-12:1 liyi:zhenzhang:2027-01:1 liyi:zhenzhang:2027-02:1" \
        "$(complete_words dutyctl -c "$T/c.yaml" done liyi:)"
check_eq "feeds: its subcommands" "list rotate write" "$(complete_words dutyctl feeds '')"
check_eq "feeds rotate p: feeds" "person-li person-zhang post-shuji post-zhenzhang" \
        "$(complete_words dutyctl -c "$T/c.yaml" feeds rotate p)"
check_eq "a broken config offers nothing (no error shown)" "" \
        "$(complete_words dutyctl -c /nonexistent upcoming --post '' 2>&1)"
check_eq "ids posts" "shuji zhenzhang" "$("$CTL" -c "$T/c.yaml" ids posts | tr '\n' ' ' | sed 's/ $//')"
"$CTL" -c "$T/c.yaml" ids nonsense >/dev/null 2>&1
check_eq "ids of an unknown kind: usage, exit 2" 2 "$?"
t_done
