/* test-feeds.c — the feeds: catalogue (overdue, summary, post-*, person-*; feeds.org obsolete),
 * windows, the bound on events and its note, summary counts, versions that only rise (a moved
 * deadline by rule or by holiday data, a completion, an undo, the deadline passing, a config
 * reverted), validators from the inputs (day, completions, generation), files. */
#include "testutil.h"

#include <sys/stat.h>

#include "feeds.h"
#include "feedtoken.h"
#include "feedversion.h"
#include "feedwrite.h"
#include "store.h"

/* The inspection (every month, due the 25th) and a quarterly meeting; %s: extra YAML. */
static const char yaml_fmt[] =
        "%s"
        "organization: {name: 测试镇}\n"
        "posts:\n"
        "  - {id: sec, name: 镇党委书记}\n"
        "  - {id: mayor, name: 镇长}\n"
        "people:\n"
        "  - {id: zhang, name: 张三, posts: [sec]}\n"
        "  - {id: li, name: 李四, posts: [mayor]}\n"
        "duties:\n"
        "  - {id: meeting, post: sec, title: 安委会会议, kind: meeting, rule: 每季度至少一次}\n"
        "  - {id: inspect, post: [sec, mayor], title: 隐患排查, kind: inspection, rule: %s}\n";

typedef struct Fx {
        char dir[40];
        Store *s;
        Config *c;
        FeedIndex *x;
        FeedVersionReader *vr;
        Ledger *l;
        FeedInputs in;
} Fx;

static Config *load(const char *extra, const char *rule) {
        _cleanup_free_ char *y = strfmt(yaml_fmt, extra, rule);
        return load_ok(y);
}

/* Record and completion version, read together. */
static void fx_ledger(Fx *f) {
        ledger_free(f->l);
        assert_int_equal(ledger_load(f->s, &f->l), 0);
        assert_int_equal(feedversion_completions(f->s, &f->in.completions), 0);
        f->in.ledger = f->l;
}

/* A config (taken) synced at `now`, as the daemon does after a load or reload. */
static void fx_config(Fx *f, Config *c, Day today, time_t now) {
        feed_index_free(f->x);
        config_free(f->c);
        f->c = c;
        assert_int_equal(feedversion_sync(f->s, c, today, now, NULL, &f->in.generation), 0);
        assert_int_equal(feed_index_new(c, &f->x), 0);
        f->in.config = c, f->in.index = f->x;
        fx_ledger(f);
}

static void fx_open(Fx *f, Config *c, Day today, time_t now) {
        *f = (Fx){0};
        snprintf(f->dir, sizeof(f->dir), "/tmp/dutyd-unit-feeds-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(store_open(f->dir, &f->s), 0);
        assert_int_equal(feedversion_init(f->s), 0);
        assert_int_equal(feedtoken_init(f->s), 0);
        assert_int_equal(feedversion_reader_new(f->s, &f->vr), 0);
        fx_config(f, c, today, now);
}

static void fx_close(Fx *f) {
        feedversion_reader_free(f->vr);
        ledger_free(f->l);
        feed_index_free(f->x);
        config_free(f->c);
        store_close(f->s);
        rm_tree(f->dir);
}

static char *render(Fx *f, const char *name, Day today, FeedRenderStats *st) {
        FeedRef ref;
        assert_int_equal(feeds_find(f->c, f->x, name, &ref), 0);
        assert_int_equal(feedversion_reader_begin(f->vr, f->in.generation.generation,
                                                  f->in.completions.version),
                         0);
        Buf b = {0};
        assert_int_equal(feeds_render(&f->in, f->vr, NULL, ref, today, NULL, &b, st), 0);
        feedversion_reader_end(f->vr);
        return buf_steal(&b);
}

static size_t count(const char *s, const char *what) {
        size_t n = 0;
        for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
                n++;
        return n;
}

/* The VEVENT whose DTSTART is `day` and whose text has `needle` (malloc'd, unfolded). */
static char *event_on(const char *feed, const char *day, const char *needle) {
        _cleanup_free_ char *u = ics_unfold(feed);
        char start[40];
        snprintf(start, sizeof(start), "DTSTART;VALUE=DATE:%s\r\n", day);
        for (char *e = u; (e = strstr(e, "BEGIN:VEVENT\r\n"));) {
                char *end = strstr(e, "END:VEVENT\r\n");
                assert_non_null(end);
                *end = 0;
                if (strstr(e, start) && strstr(e, needle))
                        return strdup(e);
                e = end + 1;
        }
        fail_msg("no event on %s with %s", day, needle);
        return NULL;
}

static long long value_of(const char *event, const char *prop) {
        const char *p = strstr(event, prop);
        assert_non_null(p);
        return atoll(p + strlen(prop));
}

/* DTSTAMP as an ordered number: YYYYMMDDHHMMSS. */
static long long stamp_of(const char *event) {
        const char *p = strstr(event, "\r\nDTSTAMP:");
        assert_non_null(p);
        char digits[15] = {0};
        for (size_t i = 0, j = 0; p[10 + i] && p[10 + i] != 'Z' && j < 14; i++)
                if (p[10 + i] != 'T')
                        digits[j++] = p[10 + i];
        /* LAST-MODIFIED says the same */
        const char *q = strstr(event, "\r\nLAST-MODIFIED:");
        assert_non_null(q);
        assert_memory_equal(p + 10, q + 16, 16);
        return atoll(digits);
}

static void test_catalogue(void **state) {
        (void)state;
        Config *c = load("", "每月25日前");
        assert_int_equal(feeds_count(c), 2 + 2 + 2);
        const char *want[] = {"overdue",    "summary",      "post-sec",
                              "post-mayor", "person-zhang", "person-li"};
        FeedIndex *x = NULL;
        assert_int_equal(feed_index_new(c, &x), 0);
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                char name[FEED_NAME_MAX];
                FeedRef r = feeds_nth(c, i), back;
                feeds_name(c, r, name);
                assert_string_equal(name, want[i]);
                assert_int_equal(feeds_find(c, x, name, &back), 0);
                assert_int_equal(back.kind, r.kind);
                assert_int_equal(back.index, r.index);
                assert_int_equal(feeds_find(c, NULL, name, &back), 0);
        }
        FeedRef r;
        assert_int_equal(feeds_find(c, x, "org", &r), -ENOENT);
        assert_int_equal(feeds_find(c, x, "person-nobody", &r), -ENOENT);
        assert_int_equal(feeds_find(c, x, "post-", &r), -ENOENT);
        assert_int_equal(feeds_find(c, x, "../post-sec", &r), -ENOENT);
        _cleanup_free_ char *t = feeds_title(c, feeds_nth(c, 5));
        assert_string_equal(t, "测试镇安全生产履职日历·李四");
        _cleanup_free_ char *t2 = feeds_title(c, feeds_nth(c, 1));
        assert_string_equal(t2, "测试镇安全生产履职日历·完成情况汇总");
        feed_index_free(x);
        config_free(c);

        /* Each organisation-wide feed can be turned off; feeds.org still loads, with a warning
         * naming them, and false turns both off. */
        c = load("feeds: {summary: false}\n", "每月25日前");
        assert_int_equal(feeds_count(c), 1 + 4);
        assert_int_equal(feeds_find(c, NULL, "summary", &r), -ENOENT);
        assert_int_equal(feeds_find(c, NULL, "overdue", &r), 0);
        config_free(c);
        _cleanup_free_ char *y = strfmt(yaml_fmt, "feeds: {org: false}\n", "每月25日前");
        Diags d = {0};
        c = load_yaml_text(y, day_from_ymd(2026, 1, 1), &d);
        assert_non_null(c);
        bool named = false;
        for (size_t i = 0; i < d.n; i++)
                named |= d.items[i].warning && strstr(d.items[i].msg, "feeds.org is obsolete") &&
                         strstr(d.items[i].msg, "overdue") && strstr(d.items[i].msg, "summary");
        assert_true(named);
        diags_done(&d);
        assert_int_equal(feeds_count(c), 4);
        config_free(c);
}

/* Post and person feeds: the window [today - 31, today + 366]; every feed parses. */
static void test_windows(void **state) {
        (void)state;
        Fx f;
        Day today = day_from_ymd(2026, 3, 15);
        fx_open(&f, load("", "每月25日前"), today, 1773000000);
        _cleanup_free_ char *sec = render(&f, "post-sec", today, NULL);
        /* the quarterly meeting: 2026-03-31 … 2026-12-31 (2027-03-31 is past the window) */
        assert_int_equal(count(sec, "SUMMARY:镇党委书记·安委会会议"), 4);
        assert_non_null(strstr(sec, "DTSTART;VALUE=DATE:20260331\r\n"));
        assert_null(strstr(sec, "DTSTART;VALUE=DATE:20270331\r\n"));
        /* the inspection, monthly: 2026-02-25 (inside the 31 days back) … 2027-02-25 */
        assert_int_equal(count(sec, "SUMMARY:镇党委书记·隐患排查") +
                                 count(sec, "SUMMARY:【逾期】镇党委书记·隐患排查"),
                         13);
        _cleanup_free_ char *li = render(&f, "person-li", today, NULL);
        assert_int_equal(count(li, "BEGIN:VEVENT"), 13);
        assert_null(strstr(li, "安委会会议"));
        assert_non_null(strstr(li, "X-WR-CALNAME:测试镇安全生产履职日历·李四\r\n"));
        assert_null(strstr(li, "X-WR-CALDESC")); /* not cut: no note */
        /* past deadlines not done: 逾期, in the overdue feed too */
        _cleanup_free_ char *ov = render(&f, "overdue", today, NULL);
        assert_int_equal(count(ov, "BEGIN:VEVENT"), 2); /* 02-25 for both posts */
        assert_int_equal(count(ov, "SUMMARY:【逾期】"), 2);
        fx_close(&f);
}

static void add_done(Fx *f, const char *duty, const char *post, Day date) {
        Occurrence o;
        char id[OCCURRENCE_ID_MAX];
        Ymd y = day_to_ymd(date);
        snprintf(id, sizeof(id), "%s:%s:%04d-%02d:1", duty, post, y.y, y.m);
        assert_int_equal(schedule_find(f->c, id, &o), 0);
        CompletionInput in = {.occ = &o, .date = date, .source = "test"};
        assert_int_equal(completion_add(f->s, f->c, &in, NULL), 0);
        fx_ledger(f);
}

/* Summary events count the posts that met each checkpoint; done ones leave the overdue feed. */
static void test_summary_counts(void **state) {
        (void)state;
        Fx f;
        Day today = day_from_ymd(2026, 3, 15);
        fx_open(&f, load("", "每月25日前"), today, 1773000000);
        add_done(&f, "inspect", "mayor", day_from_ymd(2026, 2, 20));
        _cleanup_free_ char *sum = render(&f, "summary", today, NULL);
        _cleanup_free_ char *feb = event_on(sum, "20260225", "隐患排查");
        assert_non_null(strstr(feb, "SUMMARY:【逾期】隐患排查 已完成 1/2 岗位\r\n"));
        assert_non_null(strstr(feb, "未完成：镇党委书记"));
        _cleanup_free_ char *mar = event_on(sum, "20260325", "隐患排查");
        assert_non_null(strstr(mar, "SUMMARY:隐患排查 已完成 0/2 岗位\r\n"));
        /* one event per duty and checkpoint, not per post */
        assert_int_equal(count(sum, "SUMMARY:隐患排查 已完成") + count(sum, "【逾期】隐患排查"),
                         13);
        _cleanup_free_ char *ov = render(&f, "overdue", today, NULL);
        assert_int_equal(count(ov, "BEGIN:VEVENT"), 1);
        assert_non_null(strstr(ov, "SUMMARY:【逾期】镇党委书记·隐患排查"));
        fx_close(&f);
}

/* The DTSTART days of a feed, in order. */
static size_t days_of(const char *feed, Day *out, size_t n) {
        size_t k = 0;
        const char *tag = "DTSTART;VALUE=DATE:";
        for (const char *p = feed; (p = strstr(p, tag)) && k < n; p += strlen(tag)) {
                int y, m, d;
                assert_int_equal(sscanf(p + strlen(tag), "%4d%2d%2d", &y, &m, &d), 3);
                out[k++] = day_from_ymd(y, m, d);
        }
        return k;
}

static Day dist(Day a, Day b) {
        return a > b ? a - b : b - a;
}

/* Every feed holds at most feeds.max_events: the nearest to today, and says so. */
static void test_bounded(void **state) {
        (void)state;
        Fx f, full;
        Day today = day_from_ymd(2026, 7, 15); /* a Wednesday */
        fx_open(&f, load("feeds: {max_events: 10}\n", "每周至少一次"), today, 1773000000);
        fx_open(&full, load("", "每周至少一次"), today, 1773000000);
        FeedRenderStats st;
        _cleanup_free_ char *li = render(&f, "person-li", today, &st);
        _cleanup_free_ char *all = render(&full, "person-li", today, NULL);
        assert_int_equal(st.events, 10);
        assert_true(st.total > 50); /* a year of weeks */
        Day kept[64], every[128];
        assert_int_equal(days_of(li, kept, 64), 10);
        size_t n = days_of(all, every, 128);
        assert_int_equal(n, st.total);
        /* the ten kept are the nearest to today: none left out is nearer than one kept */
        Day farthest = 0, nearest_out = DAY_MAX;
        for (size_t i = 0; i < 10; i++)
                farthest = dist(kept[i], today) > farthest ? dist(kept[i], today) : farthest;
        for (size_t i = 0; i < n; i++) {
                bool in = false;
                for (size_t j = 0; j < 10; j++)
                        in |= kept[j] == every[i];
                if (!in && dist(every[i], today) < nearest_out)
                        nearest_out = dist(every[i], today);
        }
        assert_true(farthest <= nearest_out);
        assert_true(kept[0] < today && kept[9] > today); /* both sides of today */
        _cleanup_free_ char *u = ics_unfold(li);
        assert_non_null(strstr(u, "X-WR-CALDESC:本日历最多列出 10 项："));
        assert_non_null(strstr(u, "DESCRIPTION:本日历最多列出 10 项："));
        _cleanup_free_ char *exact = strfmt("共 %zu 项，这里只列出离今天最近的 10 项", n);
        assert_non_null(strstr(u, exact)); /* a person's feed is planned whole: exact count */
        _cleanup_free_ char *uall = ics_unfold(all);
        assert_null(strstr(uall, "X-WR-CALDESC")); /* not cut: no note */
        /* the organisation-wide feeds too; they stop planning once the nearest are known */
        _cleanup_free_ char *sum = render(&f, "summary", today, &st);
        assert_int_equal(count(sum, "BEGIN:VEVENT"), 10);
        assert_int_equal(st.events, 10);
        assert_true(st.total > 10);
        _cleanup_free_ char *ov = render(&f, "overdue", today, &st);
        assert_int_equal(count(ov, "BEGIN:VEVENT"), 10);
        assert_int_equal(count(ov, "SUMMARY:【逾期】"), 10);
        assert_true(days_of(ov, kept, 64) == 10 && kept[9] < today);
        _cleanup_free_ char *uo = ics_unfold(ov);
        assert_non_null(strstr(uo, "已逾期未完成的"));
        fx_close(&f);
        fx_close(&full);
}

/* SEQUENCE rises and DTSTAMP never goes back through every kind of change. */
typedef struct Seen {
        long long seq, stamp;
        char uid[ICAL_UID_MAX + 8];
} Seen;

static void step(Fx *f, Day today, const char *day, bool changed, Seen *last) {
        _cleanup_free_ char *feed = render(f, "person-li", today, NULL);
        _cleanup_free_ char *ev = event_on(feed, day, "隐患排查");
        long long seq = value_of(ev, "\r\nSEQUENCE:"), stamp = stamp_of(ev);
        const char *uid = strstr(ev, "\r\nUID:");
        assert_non_null(uid);
        char u[ICAL_UID_MAX + 8];
        snprintf(u, sizeof(u), "%.36s", uid + 6);
        if (last->uid[0])
                assert_string_equal(u, last->uid); /* the UID scheme stays */
        if (changed)
                assert_true(seq > last->seq);
        else
                assert_true(seq == last->seq);
        assert_true(stamp >= last->stamp);
        *last = (Seen){seq, stamp, ""};
        snprintf(last->uid, sizeof(last->uid), "%s", u);
}

static void write_holidays(const char *path, bool extra_day) {
        FILE *h = fopen(path, "we");
        assert_non_null(h);
        fprintf(h,
                "years:\n  2026:\n    source: 测试\n    holidays:\n"
                "      - {id: new-year, name: 元旦, from: 2026-01-01, to: 2026-01-01, work: []}\n");
        if (extra_day)
                fprintf(h, "      - {id: test-day, name: 测试日, from: 2026-04-27, to: 2026-04-27, "
                           "work: []}\n");
        fclose(h);
}

static void test_versions(void **state) {
        (void)state;
        char hdir[] = "/tmp/dutyd-unit-hol-XXXXXX";
        assert_non_null(mkdtemp(hdir));
        _cleanup_free_ char *hpath = strfmt("%s/h.yaml", hdir);
        _cleanup_free_ char *hline = strfmt("holidays: %s\n", hpath);
        write_holidays(hpath, false);
        Fx f;
        Day today = day_from_ymd(2026, 3, 15);
        time_t now = 1773600000; /* 2026-03-15T18:40Z */
        fx_open(&f, load(hline, "每月25日前"), today, now);
        Seen s = {0};
        step(&f, today, "20260427", false, &s); /* Saturday 04-25: due Monday 04-27 */
        assert_int_equal(s.seq, 0);
        int64_t gen = f.in.generation.generation;

        /* The same config again: nothing written, the same generation and bytes. */
        fx_config(&f, load(hline, "每月25日前"), today, now + 10);
        assert_int_equal(f.in.generation.generation, gen);
        step(&f, today, "20260427", false, &s);

        /* The deadline moves by holiday data (Monday 04-27 off: due Tuesday 04-28): the same
         * UID, SEQUENCE up, the stamp later. */
        write_holidays(hpath, true);
        fx_config(&f, load(hline, "每月25日前"), today, now + 20);
        assert_true(f.in.generation.generation > gen);
        step(&f, today, "20260428", true, &s);

        /* The deadline moves by its rule (25th → 20th). */
        fx_config(&f, load(hline, "每月20日前"), today, now + 30);
        step(&f, today, "20260420", true, &s);

        /* A clock set back does not take a stamp back. */
        fx_config(&f, load(hline, "每月21日前"), today, now - 86400);
        step(&f, today, "20260421", true, &s);

        /* Back to the first rule: not back to the first version. */
        fx_config(&f, load(hline, "每月25日前"), today, now + 40);
        step(&f, today, "20260428", true, &s);

        /* A completion recorded, then undone: each raises it. */
        add_done(&f, "inspect", "mayor", day_from_ymd(2026, 4, 10));
        step(&f, today, "20260428", true, &s);
        int64_t id;
        assert_int_equal(completion_undo(f.s, 0, &id), 0);
        fx_ledger(&f);
        step(&f, today, "20260428", true, &s);

        /* The deadline passes: 逾期, and SEQUENCE rises once more, then stays. */
        Day after = day_from_ymd(2026, 4, 29);
        step(&f, after, "20260428", true, &s);
        step(&f, after + 1, "20260428", false, &s);
        fx_close(&f);
        rm_tree(hdir);
}

/* Validators come from the inputs: the feed, the day, the completions, the generation. */
static void test_etag(void **state) {
        (void)state;
        Fx f;
        Day today = day_from_ymd(2026, 3, 15);
        fx_open(&f, load("", "每月25日前"), today, 1773000000);
        char a[FEED_ETAG_LEN], b[FEED_ETAG_LEN];
        feeds_etag(&f.in, "person-li", today, a);
        assert_int_equal(strlen(a), 66);
        assert_true(a[0] == '"' && a[65] == '"');
        feeds_etag(&f.in, "person-li", today, b);
        assert_string_equal(a, b);
        feeds_etag(&f.in, "person-zhang", today, b);
        assert_string_not_equal(a, b);
        feeds_etag(&f.in, "person-li", today + 1, b); /* a new day: a new window */
        assert_string_not_equal(a, b);
        add_done(&f, "inspect", "mayor", day_from_ymd(2026, 3, 10));
        feeds_etag(&f.in, "person-li", today, b); /* a completion recorded */
        assert_string_not_equal(a, b);
        char c[FEED_ETAG_LEN];
        fx_config(&f, load("", "每月20日前"), today, 1773000100);
        feeds_etag(&f.in, "person-li", today, c); /* another generation */
        assert_string_not_equal(b, c);
        /* The reader refuses a state that moved on since the inputs were read. */
        assert_int_equal(feedversion_reader_begin(f.vr, f.in.generation.generation,
                                                  f.in.completions.version + 1),
                         -ESTALE);
        assert_int_equal(feedversion_reader_begin(f.vr, f.in.generation.generation + 1,
                                                  f.in.completions.version),
                         -ESTALE);
        fx_close(&f);
}

static bool exists(const char *dir, const char *name) {
        _cleanup_free_ char *p = strfmt("%s/%s", dir, name);
        return access(p, F_OK) == 0;
}

static char *slurp(const char *dir, const char *name) {
        _cleanup_free_ char *p = strfmt("%s/%s", dir, name);
        FILE *fp = fopen(p, "re");
        assert_non_null(fp);
        Buf b = {0};
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
                buf_put(&b, buf, n);
        fclose(fp);
        return buf_steal(&b);
}

/* Files: the bytes the server renders; unchanged ones untouched; stale feed files removed (the
 * old org.ics too), nothing else. */
static void test_write(void **state) {
        (void)state;
        Fx f;
        Day today = day_from_ymd(2026, 3, 15);
        fx_open(&f, load("", "每月25日前"), today, 1773000000);
        _cleanup_free_ char *dir = strfmt("%s/out", f.dir);
        _cleanup_free_ char *cmd = strfmt(
                "mkdir -p '%s' && cd '%s' && echo x > org.ics && echo x > person-gone.ics && "
                "echo x > notes.txt && echo x > person-li.ics.bak && ln -s notes.txt post-x.ics "
                "&& mkdir post-dir.ics",
                dir, dir);
        assert_int_equal(system(cmd), 0);
        FeedsWriteStats st;
        assert_int_equal(feedversion_reader_begin(f.vr, f.in.generation.generation,
                                                  f.in.completions.version),
                         0);
        assert_int_equal(feeds_write(&f.in, f.vr, today, dir, &st), 0);
        feedversion_reader_end(f.vr);
        assert_int_equal(st.feeds, 6);
        assert_int_equal(st.written, 6);
        assert_int_equal(st.removed, 2);
        assert_false(exists(dir, "org.ics"));
        assert_false(exists(dir, "person-gone.ics"));
        const char *kept[] = {"notes.txt", "person-li.ics.bak", "post-x.ics", "post-dir.ics"};
        for (size_t i = 0; i < ELEMENTSOF(kept); i++)
                assert_true(exists(dir, kept[i]));
        _cleanup_free_ char *disk = slurp(dir, "person-li.ics");
        _cleanup_free_ char *mem = render(&f, "person-li", today, NULL);
        assert_string_equal(disk, mem);
        struct stat a, b;
        _cleanup_free_ char *p = strfmt("%s/person-li.ics", dir);
        assert_int_equal(stat(p, &a), 0);
        assert_int_equal(feedversion_reader_begin(f.vr, f.in.generation.generation,
                                                  f.in.completions.version),
                         0);
        assert_int_equal(feeds_write(&f.in, f.vr, today, dir, &st), 0);
        feedversion_reader_end(f.vr);
        assert_int_equal(st.written, 0);
        assert_int_equal(st.unchanged, 6);
        assert_int_equal(stat(p, &b), 0);
        assert_int_equal(a.st_ino, b.st_ino);
        _cleanup_free_ char *tmp = strfmt("test $(ls -A '%s' | grep -c tmp) = 0", dir);
        assert_int_equal(system(tmp), 0);
        fx_close(&f);
}

static void test_cancel(void **state) {
        (void)state;
        Fx f;
        Day today = day_from_ymd(2026, 3, 15);
        fx_open(&f, load("", "每周至少一次"), today, 1773000000);
        atomic_int cancel;
        atomic_init(&cancel, 1);
        FeedRef r;
        assert_int_equal(feeds_find(f.c, f.x, "summary", &r), 0);
        Buf b = {0};
        assert_int_equal(feedversion_reader_begin(f.vr, f.in.generation.generation,
                                                  f.in.completions.version),
                         0);
        assert_int_equal(feeds_render(&f.in, f.vr, NULL, r, today, &cancel, &b, NULL), -ECANCELED);
        feedversion_reader_end(f.vr);
        buf_done(&b);
        fx_close(&f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_catalogue),      cmocka_unit_test(test_windows),
                cmocka_unit_test(test_summary_counts), cmocka_unit_test(test_bounded),
                cmocka_unit_test(test_versions),       cmocka_unit_test(test_etag),
                cmocka_unit_test(test_write),          cmocka_unit_test(test_cancel),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
