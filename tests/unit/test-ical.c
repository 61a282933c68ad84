/* test-ical.c — calendar rendering: folding, escaping, control characters, determinism, UID
 * stability, libical re-parse, statuses and alarms. */
#include "testutil.h"

#include <fcntl.h>
#include <libical/ical.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include "feeds.h"
#include "feedtoken.h"
#include "httpd.h"
#include "ical.h"
#include "icalhash.h"
#include "schedule.h"

#define LONG_TITLE                                                                                                                 \
        "组织召开安全生产委员会全体成员会议，专题研究部署本镇道路交通、消防、危险化学品、" \
        "烟花爆竹、非煤矿山、建筑施工、旅游景区、水上交通及农村自建房等重点行业领域安全生产工作"

static const char base_yaml[] =
        "organization: {name: \"测试镇,党委;安委\\\\办\"}\n"
        "documents:\n"
        "  - {id: doc, title: 测试镇安全生产责任制实施意见, number: 测发〔2026〕1号}\n"
        "posts:\n"
        "  - {id: sec, name: 镇党委书记}\n"
        "  - {id: mayor, name: 镇长}\n"
        "people:\n"
        "  - {id: zhang, name: 张三, posts: [sec]}\n"
        "  - {id: li, name: 李四, posts: [mayor]}\n"
        "duties:\n"
        "  - id: meeting\n"
        "    post: sec\n"
        "    title: \"" LONG_TITLE "\"\n"
        "    kind: meeting\n"
        "    document: doc\n"
        "    clause: 二、（一）1\n"
        "    rule: 每季度至少一次\n"
        "    note: \"第一行, 含逗号; 分号 \\\\ 反斜杠\\n第二行\"\n"
        "  - id: punct\n"
        "    post: mayor\n"
        "    title: \"a,b;c\\\\d 检查\"\n"
        "    kind: inspection\n"
        "    rule: 每月25日前\n"
        "  - id: report\n"
        "    post: mayor\n"
        "    title: %s\n"
        "    kind: report\n"
        "    rule: 每年1月底前（上年度）\n";

static Config *load_with_report_title(const char *title) {
        char yaml[sizeof(base_yaml) + 256];
        snprintf(yaml, sizeof(yaml), base_yaml, title);
        return load_ok(yaml);
}

/* The value of the first unfolded line starting with `prefix` (malloc'd), or NULL. */
static char *line_value(const char *ics, const char *prefix) {
        _cleanup_free_ char *u = ics_unfold(ics);
        size_t pl = strlen(prefix);
        for (char *line = u; line && *line;) {
                char *end = strstr(line, "\r\n");
                if (end)
                        *end = 0;
                if (strncmp(line, prefix, pl) == 0)
                        return strdup(line + pl);
                line = end ? end + 2 : NULL;
        }
        return NULL;
}

static char *render_all(const Config *c, OccurrenceList *l, const char *calname) {
        assert_int_equal(schedule_plan(c, day_from_ymd(2026, 1, 1), day_from_ymd(2026, 12, 31),
                                       PLAN_FILTER_ALL, l),
                         0);
        assert_true(l->n > 0);
        char *s = NULL;
        size_t n = 0;
        assert_int_equal(ical_render_feed(c, calname, l->items, NULL, NULL, l->n, &s, &n), 0);
        assert_int_equal(strlen(s), n);
        return s;
}

static void test_folding(void **state) {
        (void)state;
        Config *c = load_with_report_title("上年度报告");
        OccurrenceList l = {0};
        _cleanup_free_ char *s = render_all(c, &l, "测试镇安全生产履职日历·" LONG_TITLE);
        size_t lines = 0, folded = 0;
        for (const char *p = s; *p;) {
                const char *end = strstr(p, "\r\n");
                assert_non_null(end); /* every line ends with CRLF */
                size_t len = (size_t)(end - p);
                assert_true(len <= 75);
                /* each physical line is valid UTF-8 on its own: no character split */
                assert_true(utf8_valid(p, len));
                assert_null(memchr(p, '\n', len));
                if (*p == ' ')
                        folded++;
                lines++;
                p = end + 2;
        }
        assert_true(folded > 10);
        /* the long title survives folding intact */
        _cleanup_free_ char *u = ics_unfold(s);
        assert_non_null(strstr(u, LONG_TITLE));
        occurrence_list_done(&l);
        config_free(c);
}

static void test_escaping(void **state) {
        (void)state;
        Config *c = load_with_report_title("报告");
        OccurrenceList l = {0};
        _cleanup_free_ char *s = render_all(c, &l, "名称,含;特殊\\字符\n第二行");
        /* SUMMARY / DESCRIPTION: libical's TEXT escaping */
        _cleanup_free_ char *u = ics_unfold(s);
        assert_non_null(strstr(u, "SUMMARY:镇长·a\\,b\\;c\\\\d 检查"));
        assert_non_null(strstr(u, "第一行\\, 含逗号\\; 分号 \\\\ 反斜杠\\n第二行"));
        assert_non_null(strstr(u, "NAME:名称\\,含\\;特殊\\\\字符\\n第二行"));
        /* X-WR-CALNAME: no raw , or ; (libical 3.0.16 would leave them) */
        _cleanup_free_ char *x = line_value(s, "X-WR-CALNAME:");
        assert_non_null(x);
        assert_null(strchr(x, ','));
        assert_null(strchr(x, ';'));
        assert_string_equal(x, "名称，含；特殊\\\\字符\\n第二行");
        /* ORGANIZER's CN parameter is quoted by libical */
        assert_non_null(strstr(u, "ORGANIZER;CN=\"测试镇,党委;安委\\办\":mailto:"));
        /* CATEGORIES: one property per category, no raw separators inside */
        assert_non_null(strstr(u, "\r\nCATEGORIES:安全生产\r\n"));
        assert_non_null(strstr(u, "\r\nCATEGORIES:检查\r\n"));

        /* re-parse: values come back exactly */
        icalcomponent *cal = icalparser_parse_string(s);
        assert_non_null(cal);
        assert_int_equal(icalcomponent_count_errors(cal), 0);
        icalproperty *xp = icalcomponent_get_first_property(cal, ICAL_X_PROPERTY);
        assert_string_equal(icalproperty_get_x_name(xp), "X-WR-CALNAME");
        assert_string_equal(icalproperty_get_value_as_string(xp),
                            "名称，含；特殊\\\\字符\\n第二行"); /* libical: raw text of X values */
        bool found = false;
        for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
             ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
                if (streq(icalcomponent_get_summary(ev), "镇长·a,b;c\\d 检查"))
                        found = true;
        assert_true(found);
        icalcomponent_free(cal);
        occurrence_list_done(&l);
        config_free(c);
}

static void test_control_characters(void **state) {
        (void)state;
        _cleanup_free_ char *t = ical_clean_text("a\x01"
                                                 "b\x1b[31mc\x7f"
                                                 "d\te\r\nf\xc2\x85g\xff"
                                                 "h");
        assert_string_equal(t, "ab[31mcd e\nfg\xEF\xBF\xBDh");
        Config *c = load_with_report_title("报告");
        OccurrenceList l = {0};
        _cleanup_free_ char *s = render_all(c, &l, "日历\x01\x02\x03\x1f\x7f名\t称\b");
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '\r') {
                        assert_int_equal(p[1], '\n');
                        continue;
                }
                if (*p == '\n')
                        continue;
                assert_true(*p >= 0x20 && *p != 0x7f);
        }
        _cleanup_free_ char *x = line_value(s, "X-WR-CALNAME:");
        assert_string_equal(x, "日历名 称");
        occurrence_list_done(&l);
        config_free(c);
}

static void test_deterministic(void **state) {
        (void)state;
        Config *c = load_with_report_title("报告");
        OccurrenceList l1 = {0}, l2 = {0};
        _cleanup_free_ char *a = render_all(c, &l1, "日历");
        _cleanup_free_ char *b = render_all(c, &l2, "日历");
        assert_string_equal(a, b);
        /* a second load of the same text gives the same bytes too */
        Config *c2 = load_with_report_title("报告");
        OccurrenceList l3 = {0};
        _cleanup_free_ char *d = render_all(c2, &l3, "日历");
        assert_string_equal(a, d);
        /* no wall-clock value anywhere: the stamps are the versions given (none: 1970) */
        _cleanup_free_ char *stamp = line_value(a, "DTSTAMP:");
        assert_non_null(stamp);
        assert_string_equal(stamp, "19700101T000000Z");
        occurrence_list_done(&l1), occurrence_list_done(&l2), occurrence_list_done(&l3);
        config_free(c), config_free(c2);
}

static const Occurrence *find_duty(const Config *c, const OccurrenceList *l, const char *duty) {
        ssize_t d = config_find_duty(c, duty);
        assert_true(d >= 0);
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].duty == (uint32_t)d)
                        return &l->items[i];
        fail_msg("no occurrence of %s", duty);
        return NULL;
}

static void test_uid_stable(void **state) {
        (void)state;
        Config *a = load_with_report_title("报告");
        Config *b = load_with_report_title("改过标题的报告");
        OccurrenceList la = {0}, lb = {0};
        _cleanup_free_ char *sa = render_all(a, &la, "日历");
        _cleanup_free_ char *sb = render_all(b, &lb, "日历");
        assert_string_not_equal(sa, sb);
        const Occurrence *oa = find_duty(a, &la, "meeting"), *ob = find_duty(b, &lb, "meeting");
        char ua[ICAL_UID_MAX], ub[ICAL_UID_MAX];
        ical_occurrence_uid(a, oa, ua);
        ical_occurrence_uid(b, ob, ub);
        assert_string_equal(ua, ub);
        assert_int_equal(strlen(ua), 36);
        assert_int_equal(ua[14], '8'); /* UUID version 8 */
        /* the whole VEVENT of the unrelated duty is byte-identical */
        _cleanup_free_ char *ea = NULL, *eb = NULL;
        IcalVersion v = {3, 1780000000};
        assert_int_equal(ical_render_event(a, oa, NULL, v, &ea, NULL), 0);
        assert_int_equal(ical_render_event(b, ob, NULL, v, &eb, NULL), 0);
        assert_string_equal(ea, eb);
        /* the edited duty's content hash changed (its revision rises), the others' did not */
        ssize_t ra = config_find_duty(a, "report"), rb = config_find_duty(b, "report");
        ssize_t ma = config_find_duty(a, "meeting"), mb = config_find_duty(b, "meeting");
        assert_true(ical_hash_duty(a, (size_t)ra) != ical_hash_duty(b, (size_t)rb));
        assert_true(ical_hash_duty(a, (size_t)ma) == ical_hash_duty(b, (size_t)mb));
        const Occurrence *xa_o = find_duty(a, &la, "report"), *xb_o = find_duty(b, &lb, "report");
        _cleanup_free_ char *xa = NULL, *xb = NULL;
        assert_int_equal(ical_render_event(a, xa_o, NULL, v, &xa, NULL), 0);
        assert_int_equal(ical_render_event(b, xb_o, NULL, v, &xb, NULL), 0);
        _cleanup_free_ char *uida = line_value(xa, "UID:"), *uidb = line_value(xb, "UID:");
        assert_string_equal(uida, uidb);
        assert_string_not_equal(xa, xb);
        occurrence_list_done(&la), occurrence_list_done(&lb);
        config_free(a), config_free(b);
}

static void test_libical_reparse(void **state) {
        (void)state;
        Config *c = load_with_report_title("报告");
        OccurrenceList l = {0};
        _cleanup_free_ char *s = render_all(c, &l, "测试镇安全生产履职日历");
        icalcomponent *cal = icalparser_parse_string(s);
        assert_non_null(cal);
        assert_int_equal(icalcomponent_count_errors(cal), 0);
        assert_true(icalrestriction_check(cal)); /* iTIP PUBLISH tables */
        assert_int_equal(icalcomponent_count_errors(cal), 0);
        assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), (int)l.n);
        /* every event: all-day, DTEND = DTSTART + 1, unique UID */
        char **uids = calloc(l.n, sizeof(char *));
        size_t k = 0;
        for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
             ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT), k++) {
                struct icaltimetype st = icalcomponent_get_dtstart(ev),
                                    en = icalcomponent_get_dtend(ev);
                assert_true(st.is_date && en.is_date);
                assert_int_equal(day_from_ymd(en.year, en.month, en.day),
                                 day_from_ymd(st.year, st.month, st.day) + 1);
                assert_int_equal(day_from_ymd(st.year, st.month, st.day), l.items[k].due);
                uids[k] = strdup(icalcomponent_get_uid(ev));
                for (size_t j = 0; j < k; j++)
                        assert_string_not_equal(uids[j], uids[k]);
        }
        for (size_t j = 0; j < k; j++)
                free(uids[j]);
        free(uids);
        /* calendar properties */
        _cleanup_free_ char *u = ics_unfold(s);
        assert_non_null(strstr(u, "\r\nMETHOD:PUBLISH\r\n"));
        assert_non_null(strstr(u, "\r\nCALSCALE:GREGORIAN\r\n"));
        assert_non_null(strstr(u, "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n"));
        assert_non_null(strstr(u, "\r\nX-PUBLISHED-TTL:PT6H\r\n"));
        assert_non_null(strstr(u, "\r\nX-WR-TIMEZONE:Asia/Shanghai\r\n"));
        assert_non_null(strstr(u, "\r\nTRANSP:TRANSPARENT\r\n"));
        assert_non_null(strstr(u, "\r\nSTATUS:CONFIRMED\r\n"));
        icalcomponent_free(cal);
        occurrence_list_done(&l);
        config_free(c);
}

static void test_status_and_alarms(void **state) {
        (void)state;
        Config *c = load_with_report_title("报告");
        OccurrenceList l = {0};
        assert_int_equal(schedule_plan(c, day_from_ymd(2026, 1, 1), day_from_ymd(2026, 12, 31),
                                       PLAN_FILTER_ALL, &l),
                         0);
        /* 2026-Q2 meeting: due Tue 2026-06-30; 7 days before = Tue 06-23 (working day) */
        const Occurrence *o = NULL;
        for (size_t i = 0; i < l.n; i++)
                if (l.items[i].due == day_from_ymd(2026, 6, 30) &&
                    l.items[i].duty == (uint32_t)config_find_duty(c, "meeting"))
                        o = &l.items[i];
        assert_non_null(o);
        _cleanup_free_ char *plain = NULL, *done = NULL, *late = NULL;
        assert_int_equal(ical_render_event(c, o, NULL, (IcalVersion){0, 1780000000}, &plain, NULL),
                         0);
        assert_non_null(strstr(plain, "TRIGGER:-P6DT15H\r\n")); /* 7 days before, 09:00 */
        assert_non_null(strstr(plain, "TRIGGER:-PT15H\r\n"));   /* the day before, 09:00 */
        assert_non_null(strstr(plain, "TRIGGER:PT9H\r\n"));     /* the day itself, 09:00 */
        assert_non_null(strstr(plain, "DTSTART;VALUE=DATE:20260630\r\n"));
        assert_non_null(strstr(plain, "DTEND;VALUE=DATE:20260701\r\n"));
        assert_non_null(strstr(plain, "SEQUENCE:0\r\n"));
        /* 1780000000 = 2026-05-28T20:26:40Z: DTSTAMP = LAST-MODIFIED = the version's stamp */
        assert_non_null(strstr(plain, "DTSTAMP:20260528T202640Z\r\n"));
        assert_non_null(strstr(plain, "LAST-MODIFIED:20260528T202640Z\r\n"));
        FeedStatus st = {
                .done = 1, .required = 1, .met = true, .done_on = day_from_ymd(2026, 6, 20)};
        assert_int_equal(ical_render_event(c, o, &st, (IcalVersion){2, 1781000000}, &done, NULL),
                         0);
        _cleanup_free_ char *sum = line_value(done, "SUMMARY:");
        assert_memory_equal(sum, "✓ 镇党委书记·", strlen("✓ 镇党委书记·"));
        assert_null(strstr(done, "BEGIN:VALARM"));
        assert_non_null(strstr(done, "SEQUENCE:2\r\n"));
        _cleanup_free_ char *ud = ics_unfold(done);
        assert_non_null(strstr(ud, "完成：1/1（已于 2026-06-20 完成）"));
        FeedStatus ov = {.required = 1, .overdue = true};
        assert_int_equal(ical_render_event(c, o, &ov, (IcalVersion){1, 0}, &late, NULL), 0);
        _cleanup_free_ char *sum2 = line_value(late, "SUMMARY:");
        assert_memory_equal(sum2, "【逾期】", strlen("【逾期】"));
        assert_non_null(strstr(late, "SEQUENCE:1\r\n"));
        /* description: what, who, basis, period */
        _cleanup_free_ char *u = ics_unfold(plain);
        assert_non_null(strstr(u, "责任人：张三（镇党委书记）"));
        assert_non_null(
                strstr(u, "依据：《测试镇安全生产责任制实施意见》（测发〔2026〕1号） 二、（一）1"));
        assert_non_null(strstr(u, "周期：2026-Q2（2026-04-01 至 2026-06-30）"));
        assert_non_null(strstr(u, "完成：0/1"));
        occurrence_list_done(&l);
        config_free(c);
}

/* The VEVENT of the 2026-Q2 meeting (due 2026-06-30), with one renderer or another. */
static const Occurrence *q2_meeting(const Config *c, OccurrenceList *l) {
        assert_int_equal(schedule_plan(c, day_from_ymd(2026, 6, 1), day_from_ymd(2026, 7, 31),
                                       PLAN_FILTER_ALL, l),
                         0);
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].due == day_from_ymd(2026, 6, 30) &&
                    l->items[i].duty == (uint32_t)config_find_duty(c, "meeting"))
                        return &l->items[i];
        fail_msg("no Q2 meeting");
        return NULL;
}

/* A DESCRIPTION made of pieces libical serialised one by one and joined at folds re-parses as
 * the whole text; the VALARMs made of their lines are what libical writes for the component;
 * a renderer's reused parts give the bytes a fresh renderer gives. */
static void test_pieces_and_alarms(void **state) {
        (void)state;
        Config *c = load_with_report_title("报告");
        OccurrenceList l = {0};
        const Occurrence *o = q2_meeting(c, &l);
        IcalVersion v = {5, 1780000000};
        _cleanup_free_ char *one = NULL;
        assert_int_equal(ical_render_event(c, o, NULL, v, &one, NULL), 0);
        IcalRenderer *rd = NULL;
        IcalEvent ev = {0};
        Buf b = {0};
        assert_int_equal(ical_renderer_new(c, &rd), 0);
        for (int k = 0; k < 3; k++) { /* the second and third from the memo */
                b.len = 0;
                assert_int_equal(ical_event_occurrence(c, o, NULL, NULL, 0, v, &ev), 0);
                assert_int_equal(ical_renderer_event(rd, &ev, &b), 0);
                assert_int_equal(b.len, strlen(one));
                assert_memory_equal(b.data, one, b.len);
        }
        ical_renderer_free(rd);
        ical_event_done(&ev);
        buf_done(&b);

        _cleanup_free_ char *cal = strfmt("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n%s"
                                          "END:VCALENDAR\r\n",
                                          one);
        icalcomponent *root = icalparser_parse_string(cal);
        assert_non_null(root);
        icalcomponent *e = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
        assert_non_null(e);
        assert_int_equal(icalcomponent_count_errors(root), 0);
        _cleanup_free_ char *want =
                strfmt("事项：%s（会议）\n责任人：张三（镇党委书记）\n"
                       "依据：《测试镇安全生产责任制实施意见》（测发〔2026〕1号） 二、（一）1\n"
                       "周期：2026-Q2（2026-04-01 至 2026-06-30）\n截止：2026-06-30\n完成：0/1\n"
                       "备注：第一行, 含逗号; 分号 \\ 反斜杠\n第二行",
                       LONG_TITLE);
        assert_string_equal(icalcomponent_get_description(e), want);
        const char *summary = icalcomponent_get_summary(e);
        assert_string_equal(summary, "镇党委书记·" LONG_TITLE);
        const char *texts[] = {"7天后截止：", "明天截止：", "今天截止："};
        const int triggers[] = {-(6 * 86400 + 15 * 3600), -15 * 3600, 9 * 3600};
        size_t k = 0;
        for (icalcomponent *a = icalcomponent_get_first_component(e, ICAL_VALARM_COMPONENT); a;
             a = icalcomponent_get_next_component(e, ICAL_VALARM_COMPONENT), k++) {
                assert_true(k < 3);
                icalproperty *d = icalcomponent_get_first_property(a, ICAL_DESCRIPTION_PROPERTY);
                _cleanup_free_ char *t = strfmt("%s%s", texts[k], summary);
                assert_string_equal(icalproperty_get_description(d), t);
                icalproperty *tr = icalcomponent_get_first_property(a, ICAL_TRIGGER_PROPERTY);
                assert_int_equal(icaldurationtype_as_int(icalproperty_get_trigger(tr).duration),
                                 triggers[k]);
                assert_int_equal(icalproperty_get_action(
                                         icalcomponent_get_first_property(a, ICAL_ACTION_PROPERTY)),
                                 ICAL_ACTION_DISPLAY);
        }
        assert_int_equal(k, 3);
        icalcomponent_free(root);
        occurrence_list_done(&l);
        config_free(c);
}

static void test_summary_event(void **state) {
        (void)state;
        Config *c = load_with_report_title("报告");
        OccurrenceList l = {0};
        const Occurrence *o = q2_meeting(c, &l);
        Occurrence unmet[2] = {*o, *o};
        unmet[1].post = (uint32_t)config_find_post(c, "mayor");
        IcalGroup g = {o, 3, 1, 2, unmet, 2};
        IcalEvent ev = {0};
        IcalRenderer *rd = NULL;
        Buf b = {0};
        assert_int_equal(ical_event_summary(c, &g, (IcalVersion){4, 1780000000}, &ev), 0);
        assert_int_equal(ical_renderer_new(c, &rd), 0);
        assert_int_equal(ical_renderer_event(rd, &ev, &b), 0);
        char uid[ICAL_UID_MAX];
        ical_occurrence_uid(c, o, uid);
        assert_string_not_equal(ev.uid, uid); /* a namespace of its own */
        _cleanup_free_ char *u = ics_unfold(b.data);
        assert_non_null(strstr(u, "SUMMARY:【逾期】" LONG_TITLE " 已完成 1/3 岗位\r\n"));
        assert_non_null(strstr(
                u, "\\n完成：1/3 个岗位，逾期未完成 2 个\\n未完成：镇党委书记、镇长\\n备注："));
        assert_non_null(strstr(u, "SEQUENCE:4\r\n"));
        assert_null(strstr(u, "BEGIN:VALARM"));
        /* all met: ✓ */
        IcalGroup all = {o, 3, 3, 0, NULL, 0};
        assert_int_equal(ical_event_summary(c, &all, (IcalVersion){0}, &ev), 0);
        assert_string_equal(ev.text.data + ev.at[0], "✓ " LONG_TITLE " 已完成 3/3 岗位");
        ical_renderer_free(rd);
        ical_event_done(&ev);
        buf_done(&b);
        occurrence_list_done(&l);
        config_free(c);
}

/* The content hashes behind the revisions change with what they cover, and with nothing else. */
static void test_hashes(void **state) {
        (void)state;
        Config *a = load_with_report_title("报告");
        char yaml[sizeof(base_yaml) + 256];
        snprintf(yaml, sizeof(yaml), base_yaml, "报告");
        _cleanup_free_ char *renamed = strdup(yaml), *moved = strdup(yaml);
        char *p = strstr(renamed, "name: 李四");
        memcpy(p, "name: 李五", strlen("name: 李五"));
        p = strstr(moved, "rule: 每月25日前");
        memcpy(p, "rule: 每月20日前", strlen("rule: 每月20日前"));
        Config *b = load_ok(renamed), *m = load_ok(moved);
        size_t mayor = (size_t)config_find_post(a, "mayor"),
               sec = (size_t)config_find_post(a, "sec");
        size_t punct = (size_t)config_find_duty(a, "punct");
        /* a holder renamed: that post's hash, not the other's */
        assert_true(ical_hash_post(a, mayor) != ical_hash_post(b, mayor));
        assert_true(ical_hash_post(a, sec) == ical_hash_post(b, sec));
        /* a rule changed: that duty's hash and its assignments' */
        assert_true(ical_hash_duty(a, punct) != ical_hash_duty(m, punct));
        uint64_t pa = ical_hash_post(a, mayor);
        assert_true(ical_hash_assignment(a, ical_hash_duty(a, punct), pa, -1) !=
                    ical_hash_assignment(m, ical_hash_duty(m, punct), pa, -1));
        assert_true(ical_hash_assignment(a, 7, pa, -1) != ical_hash_assignment(a, 7, pa, 0));
        uint64_t ph[2] = {ical_hash_post(a, 0), ical_hash_post(a, 1)}, ph2[2] = {ph[0], ph[1] + 1};
        assert_true(ical_hash_duty_row(a, punct, 1, ph) != ical_hash_duty_row(a, punct, 1, ph2));
        assert_true(ical_hash_org(a) == ical_hash_org(b));
        assert_true(ical_hash_calendar_year(a, 2026) == ical_hash_calendar_year(b, 2026));
        assert_true(ical_hash_calendar_year(a, 2026) != ical_hash_calendar_year(a, 2025));
        assert_true(ical_hash_calendar_year(a, 1990) != 0);
        config_free(a), config_free(b), config_free(m);
}

static void test_feedtoken(void **state) {
        (void)state;
        char a[FEEDTOKEN_LEN + 1], b[FEEDTOKEN_LEN + 1], c2[FEEDTOKEN_LEN + 1];
        assert_int_equal(feedtoken_generate(a), 0);
        assert_int_equal(feedtoken_generate(b), 0);
        assert_true(feedtoken_valid(a));
        assert_string_not_equal(a, b);
        assert_true(feedtoken_equal(a, a));
        assert_false(feedtoken_equal(b, a));
        assert_false(feedtoken_equal("", a));
        char longer[FEEDTOKEN_LEN + 2];
        snprintf(longer, sizeof(longer), "%sx", a);
        assert_false(feedtoken_equal(longer, a));
        assert_false(feedtoken_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        char dir[] = "/tmp/dutyd-unit-tok-XXXXXX";
        assert_non_null(mkdtemp(dir));
        Store *st = NULL;
        assert_int_equal(store_open(dir, &st), 0);
        assert_int_equal(feedtoken_init(st), 0);
        assert_int_equal(feedtoken_get(st, "org", a), 0);
        assert_int_equal(feedtoken_get(st, "org", b), 0);
        assert_string_equal(a, b); /* created once, then kept */
        assert_int_equal(feedtoken_rotate(st, "org", c2), 0);
        assert_string_not_equal(a, c2);
        assert_int_equal(feedtoken_get(st, "org", b), 0);
        assert_string_equal(b, c2);
        /* the server's lookup: the same token, and none made up for an unknown feed */
        FeedTokenReader *tr = NULL;
        assert_int_equal(feedtoken_reader_new(st, &tr), 0);
        assert_int_equal(feedtoken_find(tr, "org", a), 0);
        assert_string_equal(a, c2);
        assert_int_equal(feedtoken_find(tr, "post-none", a), -ENOENT);
        assert_int_equal(feedtoken_find(tr, "post-none", a), -ENOENT);
        feedtoken_reader_free(tr);
        store_close(st);
        rm_tree(dir);
}

static void test_http_validators(void **state) {
        (void)state;
        const char *etag = "\"abc\"";
        assert_true(httpd_etag_matches("\"abc\"", etag));
        assert_true(httpd_etag_matches("\"x\", W/\"abc\"", etag));
        assert_true(httpd_etag_matches("*", etag));
        assert_false(httpd_etag_matches("\"abcd\"", etag));
        assert_false(httpd_etag_matches("abc", etag));
        assert_false(httpd_etag_matches("", etag));
        char d[30];
        httpd_format_date(784111777, d);
        assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT");
        time_t t = 0;
        assert_int_equal(httpd_parse_date(d, &t), 0);
        assert_int_equal(t, 784111777);
        /* The obsolete forms a recipient must accept too (RFC 9110 5.6.7). */
        t = 0;
        assert_int_equal(httpd_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
        assert_int_equal(t, 784111777);
        t = 0;
        assert_int_equal(httpd_parse_date("Sun Nov  6 08:49:37 1994", &t), 0);
        assert_int_equal(t, 784111777);
        assert_int_equal(httpd_parse_date("not a date", &t), -EINVAL);
        assert_int_equal(httpd_parse_date("Sun, 06 Foo 1994 08:49:37 GMT", &t), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_folding),
                cmocka_unit_test(test_escaping),
                cmocka_unit_test(test_control_characters),
                cmocka_unit_test(test_deterministic),
                cmocka_unit_test(test_uid_stable),
                cmocka_unit_test(test_libical_reparse),
                cmocka_unit_test(test_status_and_alarms),
                cmocka_unit_test(test_pieces_and_alarms),
                cmocka_unit_test(test_summary_event),
                cmocka_unit_test(test_hashes),
                cmocka_unit_test(test_feedtoken),
                cmocka_unit_test(test_http_validators),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
