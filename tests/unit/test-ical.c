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

/* Unfolds RFC 5545 content lines. */
static char *unfold(const char *s) {
        Buf b = {0};
        for (const char *p = s; *p; p++) {
                if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
                        p += 2;
                        continue;
                }
                buf_put(&b, p, 1);
        }
        return buf_steal(&b);
}

/* The value of the first unfolded line starting with `prefix` (malloc'd), or NULL. */
static char *line_value(const char *ics, const char *prefix) {
        _cleanup_free_ char *u = unfold(ics);
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
        assert_int_equal(ical_render_feed(c, calname, l->items, NULL, l->n, &s, &n), 0);
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
        _cleanup_free_ char *u = unfold(s);
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
        _cleanup_free_ char *u = unfold(s);
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
        /* no wall-clock value anywhere: stamps are in 2024 (content-derived) */
        _cleanup_free_ char *stamp = line_value(a, "DTSTAMP:");
        assert_non_null(stamp);
        assert_memory_equal(stamp, "2024", 4);
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
        assert_int_equal(ical_render_event(a, oa, NULL, &ea, NULL), 0);
        assert_int_equal(ical_render_event(b, ob, NULL, &eb, NULL), 0);
        assert_string_equal(ea, eb);
        /* the edited duty's stamp changed */
        const Occurrence *ra = find_duty(a, &la, "report"), *rb = find_duty(b, &lb, "report");
        _cleanup_free_ char *xa = NULL, *xb = NULL;
        assert_int_equal(ical_render_event(a, ra, NULL, &xa, NULL), 0);
        assert_int_equal(ical_render_event(b, rb, NULL, &xb, NULL), 0);
        _cleanup_free_ char *sta = line_value(xa, "DTSTAMP:"), *stb = line_value(xb, "DTSTAMP:");
        assert_string_not_equal(sta, stb);
        _cleanup_free_ char *uida = line_value(xa, "UID:"), *uidb = line_value(xb, "UID:");
        assert_string_equal(uida, uidb);
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
        _cleanup_free_ char *u = unfold(s);
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
        assert_int_equal(ical_render_event(c, o, NULL, &plain, NULL), 0);
        assert_non_null(strstr(plain, "TRIGGER:-P6DT15H\r\n")); /* 7 days before, 09:00 */
        assert_non_null(strstr(plain, "TRIGGER:-PT15H\r\n"));   /* the day before, 09:00 */
        assert_non_null(strstr(plain, "TRIGGER:PT9H\r\n"));     /* the day itself, 09:00 */
        assert_non_null(strstr(plain, "DTSTART;VALUE=DATE:20260630\r\n"));
        assert_non_null(strstr(plain, "DTEND;VALUE=DATE:20260701\r\n"));
        assert_non_null(strstr(plain, "SEQUENCE:0\r\n"));
        FeedStatus st = {
                .done = 1, .required = 1, .met = true, .done_on = day_from_ymd(2026, 6, 20)};
        assert_int_equal(ical_render_event(c, o, &st, &done, NULL), 0);
        _cleanup_free_ char *sum = line_value(done, "SUMMARY:");
        assert_memory_equal(sum, "✓ 镇党委书记·", strlen("✓ 镇党委书记·"));
        assert_null(strstr(done, "BEGIN:VALARM"));
        assert_non_null(strstr(done, "SEQUENCE:2\r\n"));
        assert_non_null(strstr(done, "DTSTAMP:20260620T"));
        _cleanup_free_ char *ud = unfold(done);
        assert_non_null(strstr(ud, "完成：1/1（已于 2026-06-20 完成）"));
        FeedStatus ov = {.required = 1, .overdue = true};
        assert_int_equal(ical_render_event(c, o, &ov, &late, NULL), 0);
        _cleanup_free_ char *sum2 = line_value(late, "SUMMARY:");
        assert_memory_equal(sum2, "【逾期】", strlen("【逾期】"));
        assert_non_null(strstr(late, "SEQUENCE:1\r\n"));
        assert_non_null(strstr(late, "DTSTAMP:20260701T"));
        /* description: what, who, basis, period */
        _cleanup_free_ char *u = unfold(plain);
        assert_non_null(strstr(u, "责任人：张三（镇党委书记）"));
        assert_non_null(
                strstr(u, "依据：《测试镇安全生产责任制实施意见》（测发〔2026〕1号） 二、（一）1"));
        assert_non_null(strstr(u, "周期：2026-Q2（2026-04-01 至 2026-06-30）"));
        assert_non_null(strstr(u, "完成：0/1"));
        occurrence_list_done(&l);
        config_free(c);
}

static void test_feedset(void **state) {
        (void)state;
        Config *c = load_with_report_title("报告");
        FeedSet *s = NULL;
        assert_int_equal(feedset_new(c, day_from_ymd(2026, 3, 15), NULL, NULL, &s), 0);
        assert_int_equal(s->n_feeds, 1 + 2 + 2);
        assert_string_equal(s->feeds[0].name, "org");
        assert_int_equal(feedset_find(s, "post-mayor"), 2);
        assert_int_equal(feedset_find(s, "person-li"), 4);
        assert_int_equal(feedset_find(s, "../org"), -ENOENT);
        const Feed *org = &s->feeds[0], *mayor = &s->feeds[2], *li = &s->feeds[4];
        assert_int_equal(org->n_occ, s->occ.n);
        assert_int_equal(mayor->n_occ, li->n_occ);
        assert_true(mayor->n_occ > 0);
        char *a, *b;
        size_t al, bl;
        assert_int_equal(feedset_render(s, 4, &a, &al), 0);
        assert_int_equal(feedset_render(s, 4, &b, &bl), 0);
        assert_int_equal(al, bl);
        assert_memory_equal(a, b, al);
        _cleanup_free_ char *x = line_value(a, "X-WR-CALNAME:");
        assert_string_equal(x, "测试镇，党委；安委\\\\办安全生产履职日历·李四");
        free(a), free(b);
        /* cache: same bytes keep their Last-Modified; ETag is quoted SHA-256 */
        FeedCache *fc = NULL;
        assert_int_equal(feed_cache_new(&fc), 0);
        assert_int_equal(feed_cache_update(fc, s, 1000), 0);
        const FeedEntry *e = feed_cache_find(fc, "person-li");
        assert_non_null(e);
        assert_int_equal(strlen(e->etag), 66);
        assert_int_equal(e->last_modified, 1000);
        assert_int_equal(feed_cache_update(fc, s, 2000), 0);
        e = feed_cache_find(fc, "person-li");
        assert_int_equal(e->last_modified, 1000);
        assert_null(feed_cache_find(fc, "person-nobody"));
        feed_cache_free(fc);
        feedset_free(s);
        config_free(c);
}

/* The renderer (parts libical serialised, reused) gives exactly the bytes of the whole-component
 * path, for every occurrence and status; equal keys mean equal bytes. */
static void test_renderer_identical(void **state) {
        (void)state;
        Config *c = load_with_report_title("报告,含逗号;分号");
        OccurrenceList l = {0};
        assert_int_equal(schedule_plan(c, day_from_ymd(2025, 1, 1), day_from_ymd(2027, 12, 31),
                                       PLAN_FILTER_ALL, &l),
                         0);
        assert_true(l.n > 20);
        IcalRenderer *rd = NULL;
        assert_int_equal(ical_renderer_new(c, &rd), 0);
        const FeedStatus sts[] = {
                {0},
                {.done = 1, .required = 1, .met = true, .done_on = day_from_ymd(2026, 3, 1)},
                {.done = 0, .required = 2, .overdue = true},
                {.done = 2, .required = 2, .met = true},
        };
        size_t rendered = 0;
        for (int pass = 0; pass < 2; pass++) /* the second pass takes the memoised parts */
                for (size_t i = 0; i < l.n; i++)
                        for (size_t k = 0; k < ELEMENTSOF(sts); k++) {
                                char *ref;
                                size_t ref_len;
                                assert_int_equal(
                                        ical_render_event(c, &l.items[i], &sts[k], &ref, &ref_len),
                                        0);
                                IcalEvent ev;
                                assert_int_equal(
                                        ical_event_prepare(c, &l.items[i], &sts[k], NULL, 0, &ev),
                                        0);
                                const char *fast;
                                size_t fast_len;
                                assert_int_equal(ical_renderer_event(rd, &ev, &fast, &fast_len), 0);
                                assert_int_equal(fast_len, ref_len);
                                assert_memory_equal(fast, ref, ref_len);
                                IcalEvent ev2;
                                assert_int_equal(ical_event_prepare(c, &l.items[i],
                                                                    &sts[(k + 1) % 4], NULL, 0,
                                                                    &ev2),
                                                 0);
                                assert_memory_not_equal(ev.key, ev2.key, 32);
                                ical_event_done(&ev2);
                                ical_event_done(&ev);
                                free(ref);
                                rendered++;
                        }
        assert_int_equal(rendered, 2 * 4 * l.n);
        ical_renderer_free(rd);
        occurrence_list_done(&l);
        config_free(c);
}

static int status_met_first(void *userdata, const Config *c, const Occurrence *o, Day today,
                            FeedStatus *ret) {
        (void)c, (void)today;
        const Occurrence *first = userdata;
        *ret = (FeedStatus){0};
        if (o->duty == first->duty && o->due == first->due && o->checkpoint == first->checkpoint)
                *ret = (FeedStatus){.done = 1, .required = 1, .met = true, .done_on = o->due};
        return 0;
}

static ino_t inode_of(const char *dir, const char *name) {
        _cleanup_free_ char *p = strfmt("%s/%s", dir, name);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        return st.st_ino;
}

/* The quoted hex SHA-256 of `data`, as an ETag. */
static void etag_of(const char *data, size_t len, char out[static 67]) {
        unsigned char h[32];
        unsigned int hl = sizeof(h);
        assert_int_equal(EVP_Digest(data, len, h, &hl, EVP_sha256(), NULL), 1);
        out[0] = '"';
        for (int i = 0; i < 32; i++)
                snprintf(out + 1 + 2 * i, 3, "%02x", h[i]);
        out[65] = '"';
        out[66] = 0;
}

/* The bytes feed_cache_open() gives for `name` (malloc'd), with *current. */
static char *served(const FeedCache *fc, const char *name, size_t *len, bool *current) {
        const FeedEntry *e = feed_cache_find(fc, name);
        assert_non_null(e);
        int fd;
        uint64_t size;
        assert_int_equal(feed_cache_open(fc, e, &fd, &size, current), 0);
        char *buf = malloc(size + 1);
        assert_non_null(buf);
        size_t got = 0;
        for (ssize_t k; got < size && (k = read(fd, buf + got, size - got)) > 0;)
                got += (size_t)k;
        assert_int_equal(got, size);
        close(fd);
        *len = size;
        return buf;
}

/* feeds_update: files and cache in one pass; a rebuild with one status changed re-renders that
 * event only, rewrites only the feeds holding it, keeps the other files (same inode) and the
 * other feeds' Last-Modified; the kept events are shared, not copied. */
static void test_feeds_update(void **state) {
        (void)state;
        Config *c = load_with_report_title("报告");
        Day today = day_from_ymd(2026, 3, 15);
        char dir[] = "/tmp/dutyd-unit-feeds-XXXXXX";
        assert_non_null(mkdtemp(dir));
        FeedSet *s = NULL;
        assert_int_equal(feedset_new(c, today, NULL, NULL, &s), 0);
        FeedCache *fc = NULL;
        assert_int_equal(feed_cache_new(&fc), 0);
        FeedsWriteStats st;
        assert_int_equal(feeds_update(s, fc, dir, 1000, &st), 0);
        assert_int_equal(st.feeds, 5);
        assert_int_equal(st.written, 5);
        for (size_t i = 0; i < s->n_feeds; i++) { /* files = cache = feedset_render */
                char *body;
                size_t len;
                assert_int_equal(feedset_render(s, i, &body, &len), 0);
                const FeedEntry *e = feed_cache_find(fc, s->feeds[i].name);
                assert_non_null(e);
                assert_int_equal(e->size, len);
                char etag[67];
                etag_of(body, len, etag);
                assert_string_equal(e->etag, etag);
                size_t sl;
                bool current;
                char *sv = served(fc, s->feeds[i].name, &sl, &current);
                assert_true(current);
                assert_int_equal(sl, len);
                assert_memory_equal(sv, body, len);
                free(sv);
                _cleanup_free_ char *path = strfmt("%s/%s.ics", dir, s->feeds[i].name);
                FILE *f = fopen(path, "re");
                assert_non_null(f);
                char *disk = malloc(len + 1);
                assert_int_equal(fread(disk, 1, len + 1, f), len);
                fclose(f);
                assert_memory_equal(disk, body, len);
                free(disk), free(body);
        }
        const Occurrence first = s->occ.items[0];
        const char *sec_post = s->feeds[first.post + 1].name;
        EventBlob *kept = s->events[s->occ.n - 1];
        feedset_free(s);
        ino_t org_ino = inode_of(dir, "org.ics");
        _cleanup_free_ char *other = NULL;
        for (size_t p = 0; p < c->n_posts; p++)
                if (p != first.post)
                        other = strfmt("post-%s.ics", c->posts[p].id);
        ino_t other_ino = inode_of(dir, other);
        time_t other_lm = feed_cache_find(fc, "post-mayor")->last_modified;

        /* Unchanged: nothing written, nothing read from disk is needed either. */
        assert_int_equal(feedset_new(c, today, NULL, NULL, &s), 0);
        assert_int_equal(feeds_update(s, fc, dir, 2000, &st), 0);
        assert_int_equal(st.written, 0);
        assert_int_equal(st.unchanged, 5);
        assert_ptr_equal(s->events[s->occ.n - 1], kept);
        feedset_free(s);

        /* One occurrence met. */
        assert_int_equal(feedset_new(c, today, status_met_first, (void *)&first, &s), 0);
        assert_int_equal(feeds_update(s, fc, dir, 3000, &st), 0);
        assert_ptr_equal(s->events[s->occ.n - 1], kept);
        assert_true(st.written >= 2 && st.written < 5);
        assert_int_not_equal(inode_of(dir, "org.ics"), org_ino);
        assert_int_equal(inode_of(dir, other), other_ino);
        (void)sec_post;
        assert_int_equal(feed_cache_find(fc, "org")->last_modified, 3000);
        if (first.post != 1)
                assert_int_equal(feed_cache_find(fc, "post-mayor")->last_modified, other_lm);
        feedset_free(s);

        /* A file changed behind our back is noticed (its identity changed): served without the
         * validators of the cache (they describe other bytes), and repaired by the next build. */
        _cleanup_free_ char *cmd = strfmt("cp '%s/org.ics' '%s/x' && echo junk >> '%s/x' && "
                                          "mv '%s/x' '%s/org.ics'",
                                          dir, dir, dir, dir, dir);
        assert_int_equal(system(cmd), 0);
        {
                size_t sl;
                bool current;
                char *sv = served(fc, "org", &sl, &current);
                assert_false(current);
                assert_int_equal(sl, feed_cache_find(fc, "org")->size + 5);
                free(sv);
                /* A cache made without files has nothing to serve. */
                FeedCache *bare = NULL;
                assert_int_equal(feed_cache_new(&bare), 0);
                assert_int_equal(feedset_new(c, today, NULL, NULL, &s), 0);
                assert_int_equal(feed_cache_update(bare, s, 1000), 0);
                feedset_free(s);
                int fd;
                uint64_t size;
                assert_int_equal(
                        feed_cache_open(bare, feed_cache_find(bare, "org"), &fd, &size, &current),
                        -ENOENT);
                feed_cache_free(bare);
        }
        assert_int_equal(feedset_new(c, today, status_met_first, (void *)&first, &s), 0);
        assert_int_equal(feeds_update(s, fc, dir, 4000, &st), 0);
        assert_int_equal(st.written, 1);
        feedset_free(s);
        {
                size_t sl;
                bool current;
                char *sv = served(fc, "org", &sl, &current);
                assert_true(current);
                char etag[67];
                etag_of(sv, sl, etag);
                assert_string_equal(feed_cache_find(fc, "org")->etag, etag);
                free(sv);
        }
        /* dutyctl's path (no cache) compares with the files: nothing to do. */
        assert_int_equal(feedset_new(c, today, status_met_first, (void *)&first, &s), 0);
        assert_int_equal(feeds_write(s, dir, &st), 0);
        assert_int_equal(st.written, 0);
        feedset_free(s);
        _cleanup_free_ char *ls = strfmt("test $(ls -A '%s' | grep -c tmp) = 0", dir);
        assert_int_equal(system(ls), 0);
        feed_cache_free(fc);
        rm_tree(dir);
        config_free(c);
}

static bool exists(const char *dir, const char *name) {
        _cleanup_free_ char *p = strfmt("%s/%s", dir, name);
        return access(p, F_OK) == 0;
}

/* feeds.org false: no org feed; files of feeds gone from the set are removed (only regular files
 * named like a feed), whether written by the daemon's path or dutyctl's. */
static void test_feeds_org_off_and_stale(void **state) {
        (void)state;
        Config *c = load_with_report_title("报告");
        Day today = day_from_ymd(2026, 3, 15);
        char dir[] = "/tmp/dutyd-unit-stale-XXXXXX";
        assert_non_null(mkdtemp(dir));
        FeedSet *s = NULL;
        FeedsWriteStats st;
        assert_int_equal(feedset_new(c, today, NULL, NULL, &s), 0);
        assert_int_equal(feeds_write(s, dir, &st), 0);
        assert_int_equal(st.removed, 0);
        feedset_free(s);
        assert_true(exists(dir, "org.ics"));
        /* Neighbours that must survive: other names, a symlink and a folder named like feeds. */
        _cleanup_free_ char *cmd =
                strfmt("cd '%s' && echo x > notes.txt && echo x > person-li.ics.bak && "
                       "echo x > .org.ics && echo x > other.ics && echo x > post-.ics && "
                       "ln -s notes.txt person-ghost.ics && "
                       "mkdir post-dir.ics && echo x > person-old.ics && echo x > post-gone.ics",
                       dir);
        assert_int_equal(system(cmd), 0);
        config_free(c);

        /* Now without the org feed and without 李四 (person-li) */
        char yaml[sizeof(base_yaml) + 256];
        snprintf(yaml, sizeof(yaml), base_yaml, "报告");
        char *cut = strstr(yaml, "  - {id: li, name: 李四, posts: [mayor]}\n");
        assert_non_null(cut);
        memmove(cut, strchr(cut, '\n') + 1, strlen(strchr(cut, '\n') + 1) + 1);
        _cleanup_free_ char *off = strfmt("feeds: {org: false}\n%s", yaml);
        c = load_ok(off);
        assert_false(c->feeds.org);
        assert_int_equal(feedset_new(c, today, NULL, NULL, &s), 0);
        assert_int_equal(s->n_feeds, 2 + 1);
        assert_int_equal(feedset_find(s, "org"), -ENOENT);
        assert_string_equal(s->feeds[0].name, "post-sec");
        assert_int_equal(feedset_find(s, "person-zhang"), 2);
        size_t n_mayor = s->feeds[1].n_occ;
        assert_true(n_mayor > 0);
        FeedCache *fc = NULL;
        assert_int_equal(feed_cache_new(&fc), 0);
        assert_int_equal(feeds_update(s, fc, dir, 1000, &st), 0);
        feedset_free(s);
        assert_int_equal(st.feeds, 3);
        assert_int_equal(st.removed, 4); /* org, person-li, person-old, post-gone */
        assert_int_equal(fc->n, 3);
        assert_null(feed_cache_find(fc, "org"));
        assert_false(exists(dir, "org.ics"));
        assert_false(exists(dir, "person-li.ics"));
        assert_false(exists(dir, "person-old.ics"));
        assert_false(exists(dir, "post-gone.ics"));
        assert_true(exists(dir, "post-sec.ics") && exists(dir, "post-mayor.ics") &&
                    exists(dir, "person-zhang.ics"));
        const char *kept[] = {"notes.txt", "person-li.ics.bak", ".org.ics",    "other.ics",
                              "post-.ics", "person-ghost.ics",  "post-dir.ics"};
        for (size_t i = 0; i < ELEMENTSOF(kept); i++)
                assert_true(exists(dir, kept[i]));
        /* Nothing left to remove the second time. */
        assert_int_equal(feedset_new(c, today, NULL, NULL, &s), 0);
        assert_int_equal(feeds_update(s, fc, dir, 2000, &st), 0);
        assert_int_equal(st.removed, 0);
        assert_int_equal(st.written, 0);
        feedset_free(s);
        feed_cache_free(fc);
        rm_tree(dir);
        config_free(c);
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
        assert_int_equal(httpd_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", &t), -EINVAL);
        assert_int_equal(httpd_parse_date("Sun, 06 Nov 1994 08:49:37 GMT trailing", &t), -EINVAL);
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
                cmocka_unit_test(test_feedset),
                cmocka_unit_test(test_renderer_identical),
                cmocka_unit_test(test_feeds_update),
                cmocka_unit_test(test_feeds_org_off_and_stale),
                cmocka_unit_test(test_feedtoken),
                cmocka_unit_test(test_http_validators),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
