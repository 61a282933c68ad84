/* test-route.c — routing: route channels with @mentions, holders' own channels, escalation to
 * the escalate_to posts, grouping per (channel, recipient), and enqueue_firings() into the outbox. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "outbox.h"
#include "enqueue.h"
#include "event.h"
#include "raise.h"
#include "route.h"
#include "tz.h"
#include "util.h"

static char dir[64];
static Config *cfg;

static const char yaml[] =
        "organization: {name: 大栗港镇, timezone: Asia/Shanghai}\n"
        "documents:\n"
        "  - {id: doc, title: 安全生产责任制实施意见, number: 大发〔2019〕45号}\n"
        "posts:\n"
        "  - {id: secretary, name: 镇党委书记}\n"
        "  - {id: mayor, name: 镇长, escalate_to: [secretary]}\n"
        "  - {id: members, name: 其他班子成员}\n"
        "people:\n"
        "  - {id: zhang, name: 张三, mobile: \"13800001111\", email: zhang@town.example.cn, posts: [mayor], channels: [mail]}\n"
        "  - {id: li, name: 李四, mobile: \"13800002222\", email: li@town.example.cn, posts: [secretary]}\n"
        "  - {id: wang, name: 王五, posts: [members]}\n"
        "  - {id: zhao, name: 赵六, posts: [members]}\n"
        "channels:\n"
        "  - {id: group, type: wecom, url: \"http://127.0.0.1:9/wecom\"}\n"
        "  - {id: mail, type: smtp, url: \"smtp://127.0.0.1:2525\", from: dutyd@town.example.cn, to: [office@town.example.cn]}\n"
        "routes:\n"
        "  - {channels: [group], mention: true}\n"
        "duties:\n"
        "  - {id: meeting, post: mayor, title: 安全生产例会, kind: meeting, document: doc, clause: 二、（一）3, rule: 每季度召开一次}\n"
        "  - {id: drill, post: mayor, title: 应急演练, kind: drill, rule: 每半年至少一次}\n"
        "  - {id: on-site, posts: [mayor, secretary], title: 赶赴现场, kind: other, event: 事故}\n"
        "  - {id: rescue, post: members, title: 协调救援, kind: other, event: 事故}\n"
        "  - {id: report, post: mayor, title: 事故报告, kind: report, event: 报告}\n";

static int setup(void **state) {
        (void)state;
        strcpy(dir, "/tmp/dutyd-route-XXXXXX");
        assert_non_null(mkdtemp(dir));
        char path[128], cmd[256];
        snprintf(path, sizeof path, "%s/dutyd.yaml", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(yaml, f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "cp %s/config/holidays-cn.yaml %s/",
                 getenv("DUTYD_TOP") ? getenv("DUTYD_TOP") : ".", dir);
        assert_int_equal(system(cmd), 0);
        Diags d = {0};
        int r = config_load(path, day_from_ymd(2026, 11, 25), &cfg, &d);
        if (r < 0)
                diags_print(&d, stderr);
        diags_done(&d);
        assert_int_equal(r, 0);
        return 0;
}

static int teardown(void **state) {
        (void)state;
        config_free(cfg);
        rm_tree(dir);
        return 0;
}

static Firing firing(const char *duty, ReminderKind k, int days) {
        Firing f = {0};
        OccurrenceList l = {0};
        ssize_t di = config_find_duty(cfg, duty);
        assert_true(di >= 0);
        PlanFilter pf = PLAN_FILTER_ALL;
        pf.duty = di;
        assert_int_equal(
                schedule_plan(cfg, day_from_ymd(2026, 12, 1), day_from_ymd(2026, 12, 31), pf, &l),
                0);
        assert_true(l.n >= 1);
        f.occ = l.items[0];
        occurrence_list_done(&l);
        f.rem = (Reminder){
                .kind = k, .day = day_from_ymd(2026, 12, 24), .minute = 540, .days = days};
        snprintf(f.rem.step, sizeof f.rem.step, "%c%d", k == REMIND_ESCALATION ? 'e' : 'b', days);
        return f;
}

static const RouteMessage *find(const RoutePlan *p, const char *channel, const char *rcpt) {
        for (size_t i = 0; i < p->n; i++)
                if (streq(cfg->channels[p->msgs[i].channel].id, channel) &&
                    streq(p->msgs[i].recipient, rcpt))
                        return &p->msgs[i];
        return NULL;
}

static void test_plan(void **state) {
        (void)state;
        Firing f[2] = {firing("meeting", REMIND_UPCOMING, 7), firing("drill", REMIND_UPCOMING, 7)};
        RoutePlan p;
        assert_int_equal(route_plan(cfg, f, 2, &p), 0);
        /* Group chat: both items in one message, @张三. Zhang's own mail: both items. */
        const RouteMessage *g = find(&p, "group", ""),
                           *m = find(&p, "mail", "zhang@town.example.cn");
        assert_non_null(g);
        assert_non_null(m);
        assert_int_equal(p.n, 2);
        assert_int_equal(g->n_items, 2);
        assert_int_equal(g->n_mentions, 1);
        assert_string_equal(g->mentions[0], "13800001111");
        assert_int_equal(m->n_items, 2);
        route_plan_done(&p);

        RouteItem it;
        assert_int_equal(route_item(cfg, &f[0], "https://duty.example.cn/d/x", &it), 0);
        assert_string_equal(it.item.post, "镇长");
        assert_string_equal(it.item.holders, "张三");
        assert_string_equal(it.item.basis,
                            "《安全生产责任制实施意见》（大发〔2019〕45号） 二、（一）3");
        assert_string_equal(it.item.period, "2026-Q4");
        assert_string_equal(it.item.due, "2026-12-31");
        assert_string_equal(it.item.link, "https://duty.example.cn/d/x");
        route_item_done(&it);
}

static void test_escalation(void **state) {
        (void)state;
        Firing f = firing("meeting", REMIND_ESCALATION, 3);
        RoutePlan p;
        assert_int_equal(route_plan(cfg, &f, 1, &p), 0);
        const RouteMessage *g = find(&p, "group", "");
        assert_non_null(g);
        /* Both the late holder and the escalation post's holder are @mentioned. */
        assert_int_equal(g->n_mentions, 2);
        route_plan_done(&p);

        Store *s;
        assert_int_equal(store_open(dir, &s), 0);
        assert_int_equal(outbox_init(s), 0);
        size_t q;
        assert_int_equal(enqueue_firings(s, cfg, &f, 1, NULL, false, 1000, &q), 0);
        assert_int_equal(q, 2);
        assert_int_equal(enqueue_firings(s, cfg, &f, 1, NULL, false, 1001, &q), 0);
        assert_int_equal(q, 0); /* never queued twice */
        OutboxRow *rows;
        size_t n;
        assert_int_equal(outbox_list(s, false, &rows, &n), 0);
        bool seen_group = false;
        for (size_t i = 0; i < n; i++)
                if (streq(rows[i].channel, "group")) {
                        seen_group = true;
                        assert_non_null(strstr(rows[i].content,
                                               "逾期督办：镇长（张三）未按期完成「安全生产例会」"));
                        assert_string_equal(rows[i].kind, "escalation");
                }
        assert_true(seen_group);
        outbox_rows_free(rows, n);
        store_close(s);
}

/* An event alerts every post of its duties at once (a post of several holders once). */
static void test_event_plan(void **state) {
        (void)state;
        Day today = day_from_ymd(2026, 11, 25);
        Firing *f = NULL;
        size_t n = 0;
        assert_int_equal(event_plan(cfg, "事故", NULL, today, 540, 7, &f, &n), 0);
        assert_int_equal(n, 3);
        static const struct {
                const char *duty, *post, *person;
        } want[] = {{"on-site", "mayor", NULL},
                    {"on-site", "secretary", NULL},
                    {"rescue", "members", NULL}};
        for (size_t i = 0; i < n; i++) {
                const Occurrence *o = &f[i].occ;
                assert_string_equal(cfg->duties[o->duty].id, want[i].duty);
                assert_string_equal(cfg->posts[o->post].id, want[i].post);
                if (want[i].person)
                        assert_string_equal(cfg->people[o->person].id, want[i].person);
                else
                        assert_int_equal(o->person, -1);
                assert_int_equal(o->period_start, today);
                assert_int_equal(o->period_end, today);
                assert_int_equal(o->due, today);
                assert_int_equal(o->nominal, today);
                assert_int_equal(o->checkpoint, 1);
                assert_int_equal(o->of, 1);
                assert_int_equal(o->required, 1);
                assert_int_equal(f[i].rem.kind, REMIND_EVENT);
                assert_int_equal(f[i].rem.day, today);
                assert_int_equal(f[i].rem.minute, 540);
                assert_string_equal(f[i].rem.step, "ev-7");
        }
        free(f);
        assert_int_equal(event_plan(cfg, "火灾", NULL, today, 540, 7, &f, &n), -ENOENT);
        const char **names = NULL;
        assert_int_equal(event_names(cfg, &names, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(names[0], "事故");
        assert_string_equal(names[1], "报告");
        free(names);
}

/* Every raise is recorded, then queued as a delivery of its own; an unknown event is neither. */
static void test_raise(void **state) {
        (void)state;
        Day today = day_from_ymd(2026, 11, 25);
        Store *s;
        assert_int_equal(store_open(dir, &s), 0);
        int64_t id = 0;
        size_t q = 0, q2 = 0, before;
        OutboxRow *rows;
        assert_int_equal(outbox_init(s), 0);
        assert_int_equal(outbox_list(s, false, &rows, &before), 0);
        outbox_rows_free(rows, before);
        time_t now = tz_instant(today, 540);
        RaiseInput fire = {.event = "火灾", .raised_by = "tester"};
        RaiseInput acc = {.event = "事故", .note = "仓库起火", .raised_by = "tester"};
        RaiseInput again = {.event = "事故"};
        assert_int_equal(raise_event(s, cfg, &fire, now, &id, &q), -ENOENT);
        assert_int_equal(raise_event(s, cfg, &acc, now, &id, &q), 0);
        assert_int_equal(id, 1);
        assert_true(q > 0);
        assert_int_equal(raise_event(s, cfg, &again, now, &id, &q2), 0);
        assert_int_equal(id, 2);
        assert_int_equal(q2, q);
        size_t n;
        assert_int_equal(outbox_list(s, false, &rows, &n), 0);
        assert_int_equal(n, before + q + q2);
        bool noted = false;
        for (size_t i = 0; i < n; i++)
                noted = noted || strstr(rows[i].content, "仓库起火") != NULL;
        assert_true(noted);
        outbox_rows_free(rows, n);
        store_close(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plan),
                cmocka_unit_test(test_escalation),
                cmocka_unit_test(test_event_plan),
                cmocka_unit_test(test_raise),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
