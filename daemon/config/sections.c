/* sections.c — see sections.h. */
#include "sections.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "duties.h"
#include "i18n.h"
#include "util.h"
#include "values.h"

static int parse_org_name(Loader *L, const YNode *n, void *obj) {
        return parse_str(L, n, &((Config *)obj)->org_name);
}

static int parse_timezone(Loader *L, const YNode *n, void *obj) {
        Config *c = obj;
        const char *s = scalar(L, n);
        if (!s)
                return err_at(L, n, "expected a time zone such as %s", DEFAULT_TIMEZONE);
        /* Accept names of the system's zoneinfo only (DEFAULT_TIMEZONE, "UTC"). */
        bool ok = s[0] && s[0] != '/' && !strstr(s, "..");
        for (const char *p = s; ok && *p; p++)
                ok = isalnum((unsigned char)*p) || strchr("/_+-", *p);
        _cleanup_free_ char *path = strfmt("/usr/share/zoneinfo/%s", s);
        if (!path)
                return loader_oom(L);
        struct stat st;
        if (!ok || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                return err_at(L, n, "unknown time zone '%s'", s);
        return parse_str(L, n, &c->timezone);
}

static const KeyDef org_keys[] = {
        {.name = "name", .type = F_CUSTOM, .custom = parse_org_name},
        {.name = "timezone", .type = F_CUSTOM, .custom = parse_timezone},
};

/* The whole-organisation feed is gone (a county's is far beyond what calendar clients accept):
 * the key still loads, with a warning naming the bounded feeds that replace it. */
static int parse_feeds_org(Loader *L, const YNode *n, void *obj) {
        int r = parse_bool(L, n, &((FeedsConfig *)obj)->org);
        if (r == 0)
                diags_add(L->diags, true, L->path, (int)n->line, (int)n->column,
                          "feeds.org is obsolete: the whole-organisation feed is replaced by the "
                          "bounded feeds 'overdue' and 'summary' (feeds.overdue, feeds.summary)%s",
                          ((FeedsConfig *)obj)->org ? "" : _("; org: false turns both off"));
        return r;
}

static const KeyDef feeds_keys[] = {
        {.name = "dir", .type = F_STR, .off = FIELD(FeedsConfig, dir)},
        {.name = "public_url",
         .type = F_STR,
         .off = FIELD(FeedsConfig, public_url),
         .check = check_http_url},
        KEY_INT("past_days", FeedsConfig, past_days, 0, 3660),
        KEY_INT("future_days", FeedsConfig, future_days, 1, 3660),
        KEY_INT("refresh_minutes", FeedsConfig, refresh_minutes, 5, 10080),
        KEY_INT("max_events", FeedsConfig, max_events, 10, 10000),
        {.name = "overdue", .type = F_BOOL, .off = FIELD(FeedsConfig, overdue)},
        {.name = "summary", .type = F_BOOL, .off = FIELD(FeedsConfig, summary)},
        {.name = "org", .type = F_CUSTOM, .custom = parse_feeds_org},
};

static const KeyDef server_keys[] = {
        {.name = "listen",
         .type = F_STR,
         .off = FIELD(ServerConfig, listen),
         .check = check_listen},
        KEY_INT("max_connections", ServerConfig, max_connections, 1, 65536),
        KEY_INT("per_ip_connections", ServerConfig, per_ip_connections, 1, 65536),
        KEY_INT("timeout", ServerConfig, timeout_sec, 1, 3600),
        KEY_INT("header_timeout", ServerConfig, header_timeout_sec, 1, 3600),
        {.name = "public_url",
         .type = F_STR,
         .off = FIELD(ServerConfig, public_url),
         .check = check_http_url},
};

static const KeyDef heartbeat_keys[] = {
        {.name = "url", .type = F_STR, .off = FIELD(HeartbeatConfig, url), .check = check_http_url},
        KEY_INT("interval", HeartbeatConfig, interval_sec, 1, 86400),
};

static const KeyDef template_keys[] = {
        {.name = "upcoming", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_UPCOMING])},
        {.name = "due_today", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_DUE_TODAY])},
        {.name = "overdue", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_OVERDUE])},
        {.name = "escalation", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_ESCALATION])},
        {.name = "digest", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_DIGEST])},
        {.name = "event", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_EVENT])},
};

static const KeyDef shift_keys[] = {
        {.name = "name", .type = F_STR, .off = FIELD(Shift, name), .required = true},
        {.name = "start", .type = F_TIME, .off = FIELD(Shift, start), .required = true},
        {.name = "end", .type = F_TIME, .off = FIELD(Shift, end), .required = true},
};

static const KeyDef term_keys[] = {
        {.name = "name", .type = F_STR, .off = FIELD(Term, name), .required = true},
        {.name = "from", .type = F_DATE, .off = FIELD(Term, from), .required = true},
        {.name = "until", .type = F_DATE, .off = FIELD(Term, until), .required = true},
};

/* A top-level list of records (shifts:, terms:): each item through `keys` into a pool array of
 * `size`-byte records, then vetted by `check` (with the record before it, NULL for the first).
 * 0, or -EINVAL after reporting each error. */
typedef int (*RecordCheck)(Loader *L, const YNode *item, const void *rec, const void *prev);

static int parse_records(Loader *L, const YNode *n, const KeyDef *keys, size_t n_keys, size_t size,
                         RecordCheck check, void **ret, size_t *ret_n) {
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt;
        char *v = list_new(L, n, size, &items, &cnt);
        if (!v)
                return -ENOMEM;
        int r = 0;
        for (size_t i = 0; i < cnt; i++) {
                char *rec = v + i * size;
                if (parse_map(L, items[i], keys, n_keys, rec, NULL) < 0 ||
                    check(L, items[i], rec, i ? rec - size : NULL) < 0)
                        r = -EINVAL;
        }
        *ret = v, *ret_n = cnt;
        return r;
}

/* shifts: [{name: 白班, start: "08:00", end: "20:00"}, …] (班前 and 班后 duties). */
static int check_shift(Loader *L, const YNode *item, const void *rec, const void *prev) {
        (void)prev;
        const Shift *s = rec;
        return s->start == s->end ? err_at(L, item, "a shift's end is its start") : 0;
}

/* terms: [{name: 2026年秋季学期, from: 2026-09-01, until: 2027-01-22}, …] (每学期 duties), in
 * date order without overlaps. */
static int check_term(Loader *L, const YNode *item, const void *rec, const void *prev) {
        const Term *t = rec, *p = prev;
        if (t->until < t->from)
                return err_at(L, item, "a term's until is before its from");
        if (p && t->from <= p->until)
                return err_at(L, item, "terms are in date order and do not overlap");
        return 0;
}

int parse_section(Loader *L, const char *k, const YNode *kn, const YNode *vn) {
        Config *c = L->cfg;
        if (!k)
                return err_at(L, kn, "expected a section name");
        if (streq(k, "organization"))
                return parse_map(L, vn, org_keys, ELEMENTSOF(org_keys), c, NULL);
        if (streq(k, "reminders"))
                return parse_reminders(L, vn, &c->reminders);
        if (streq(k, "feeds"))
                return parse_map(L, vn, feeds_keys, ELEMENTSOF(feeds_keys), &c->feeds, NULL);
        if (streq(k, "server"))
                return parse_map(L, vn, server_keys, ELEMENTSOF(server_keys), &c->server, NULL);
        if (streq(k, "heartbeat"))
                return parse_map(L, vn, heartbeat_keys, ELEMENTSOF(heartbeat_keys), &c->heartbeat,
                                 NULL);
        if (streq(k, "templates"))
                return parse_map(L, vn, template_keys, ELEMENTSOF(template_keys), c, NULL);
        if (streq(k, "holidays")) {
                free(L->holidays_where_file);
                if (!(L->holidays_where_file = strdup(L->path)))
                        return loader_oom(L);
                L->holidays_line = (int)vn->line, L->holidays_col = (int)vn->column;
                return parse_str(L, vn, &c->holidays_path);
        }
        if (streq(k, "state"))
                return parse_str(L, vn, &c->state_dir);
        if (streq(k, "shifts"))
                return parse_records(L, vn, shift_keys, ELEMENTSOF(shift_keys), sizeof(Shift),
                                     check_shift, (void **)&c->shifts, &c->n_shifts);
        if (streq(k, "terms"))
                return parse_records(L, vn, term_keys, ELEMENTSOF(term_keys), sizeof(Term),
                                     check_term, (void **)&c->terms, &c->n_terms);
        return err_at(L, kn, "unknown section '%s'", k);
}

int sections_set_defaults(Config *c) {
        c->reminders.minute_of_day = DEFAULT_REMINDER_TIME;
        c->reminders.overdue = true;
        c->reminders.escalate_after = DEFAULT_ESCALATE_AFTER;
        c->reminders.before = (int *)pool_intern(c->pool, default_reminder_before,
                                                 sizeof(default_reminder_before));
        c->reminders.n_before = ELEMENTSOF(default_reminder_before);
        c->heartbeat.interval_sec = DEFAULT_HEARTBEAT_INTERVAL;
        c->feeds.past_days = DEFAULT_FEEDS_PAST_DAYS;
        c->feeds.future_days = DEFAULT_FEEDS_FUTURE_DAYS;
        c->feeds.refresh_minutes = DEFAULT_FEEDS_REFRESH_MINUTES;
        c->feeds.max_events = DEFAULT_FEEDS_MAX_EVENTS;
        c->feeds.overdue = true;
        c->feeds.summary = true;
        c->feeds.org = true;
        c->server.max_connections = DEFAULT_SERVER_MAX_CONNECTIONS;
        c->server.per_ip_connections = DEFAULT_SERVER_PER_IP_CONNECTIONS;
        c->server.timeout_sec = DEFAULT_SERVER_TIMEOUT;
        c->server.header_timeout_sec = DEFAULT_SERVER_HEADER_TIMEOUT;
        return c->reminders.before ? 0 : -ENOMEM;
}

int sections_check(Loader *L) {
        Config *c = L->cfg;
        if (!c->timezone && !(c->timezone = xstrdup(L, DEFAULT_TIMEZONE)))
                return -ENOMEM;
        if (L->main_broken) /* what is missing may lie beyond the syntax error */
                return -EINVAL;
        if (!c->org_name) {
                if (L->main_has_root)
                        diags_add(L->diags, false, L->files[0], L->org_line, L->org_col,
                                  "missing required key 'organization.name'");
                else if (L->main_empty)
                        diags_add(L->diags, false, L->files[0], 0, 0,
                                  "the file is empty: missing required key 'organization.name'");
                return -EINVAL;
        }
        if (!c->n_posts) {
                diags_add(L->diags, false, L->files[0], 0, 0, "no posts are defined");
                return -EINVAL;
        }
        return 0;
}
