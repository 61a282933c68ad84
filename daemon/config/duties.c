/* duties.c — see duties.h. */
#include "duties.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "eventrule.h"
#include "phrase.h"
#include "i18n.h"
#include "util.h"

static const char *const period_enum[_PERIOD_MAX] = {
        "",           "week",  "month",      "quarter", "half", "year",
        "half_month", "dekad", "two_months", "day",     "term", "school_year",
};
static const char *const shift_enum[] = {"", "start", "end"};
static const char *const move_enum[] = {"postpone", "earlier", "none"};

/* ---- rules ------------------------------------------------------------------------------ */

static int parse_due_day(Loader *L, const YNode *n, void *obj) {
        Rule *r = obj;
        const char *s = scalar(L, n);
        if (s && streq(s, "last")) {
                r->due_day = DUE_DAY_LAST;
                return 0;
        }
        int d;
        if (parse_int(L, n, 1, 31, &d) < 0)
                return -EINVAL;
        r->due_day = (int8_t)d;
        return 0;
}

/* due_time: "17:30" — the deadline's time of day; "24:00" is the day's end (as without it). */
static int parse_due_time(Loader *L, const YNode *n, void *obj) {
        Rule *r = obj;
        const char *s = scalar(L, n);
        int h, m, k = 0;
        if (!s || sscanf(s, "%2d:%2d%n", &h, &m, &k) != 2 || s[k] || strlen(s) != 5 || h < 0 ||
            h > 24 || m < 0 || m > 59 || (h == 24 && m) || h * 60 + m == 0)
                return err_at(L, n, "expected a time of day HH:MM from 00:01 to 24:00");
        r->due_minute = h * 60 % 1440 + m;
        return 0;
}

/* due_months: [6, 12] — one checkpoint in each; count is their number. */
static int parse_due_months(Loader *L, const YNode *n, void *obj) {
        Rule *r = obj;
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt;
        if (node_items(L, n, &items, &cnt) < 0)
                return -ENOMEM;
        unsigned mask = 0;
        int q = 0;
        for (size_t i = 0; i < cnt; i++) {
                int m;
                if (parse_int(L, items[i], 1, 12, &m) < 0)
                        q = -EINVAL;
                else if (mask & (1u << m))
                        q = err_at(L, items[i], "%d listed twice", m);
                else
                        mask |= 1u << m;
        }
        r->due_months = (uint16_t)mask; /* bits 1 to 12 */
        r->count = (int16_t)__builtin_popcount(mask);
        return q;
}

static int parse_before_holidays(Loader *L, const YNode *n, void *obj) {
        Rule *r = obj;
        const char *s = scalar(L, n);
        bool b;
        if (s && (streq(s, "true") || streq(s, "false") || streq(s, "yes") || streq(s, "no"))) {
                if (parse_bool(L, n, &b) < 0)
                        return -EINVAL;
                r->before_holidays = b;
                return 0;
        }
        r->before_holidays = true;
        /* The rule owns its names (rule.h): a copy of the list read into the pool. */
        Rule read = *r;
        read.holidays = NULL, read.n_holidays = 0;
        size_t n_read = 0;
        int q = parse_strlist(L, n, &read.holidays, &n_read);
        /* A list of names from a file the loader holds in memory: far below 2^32. */
        read.n_holidays = (uint32_t)n_read;
        if (q < 0)
                return q;
        rule_done(r);
        if (rule_copy(r, &read) < 0)
                return loader_oom(L);
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt;
        if (node_items(L, n, &items, &cnt) < 0)
                return -ENOMEM;
        const Calendar *cal = L->cfg->calendar;
        if (!cal && L->streaming) {
                /* The holiday data is read once every file is: check the names then. */
                L->defer = true;
                return -EAGAIN;
        }
        for (size_t i = 0; i < r->n_holidays && i < cnt; i++) {
                bool found = false;
                for (size_t j = 0; cal && j < cal->n_holidays && !found; j++)
                        found = streq(cal->holidays[j].id, r->holidays[i]);
                if (!found)
                        q = err_at(L, items[i], "unknown holiday '%s' (not in the holiday data)",
                                   r->holidays[i]);
        }
        return q;
}

/* The fields are narrow (rule.h): KEY_INT and KEY_ENUM check when compiling that each holds
 * every value its key accepts. */
static const KeyDef rule_keys[] = {
        {.name = "phrase", .type = F_SKIP},
        KEY_ENUM("period", Rule, period, period_enum),
        KEY_INT("every", Rule, every, 1, RULE_MAX_EVERY),
        KEY_INT("epoch", Rule, epoch, RULE_MIN_YEAR, RULE_MAX_YEAR),
        KEY_INT("count", Rule, count, 1, RULE_MAX_COUNT),
        KEY_BOOL("pacing", Rule, pacing),
        {.name = "due_day", .type = F_CUSTOM, .custom = parse_due_day},
        KEY_INT("due_month", Rule, due_month, 1, 12),
        KEY_INT("due_weekday", Rule, due_weekday, 1, 7),
        {.name = "due_months", .type = F_CUSTOM, .custom = parse_due_months},
        KEY_INT("once", Rule, once, RULE_MIN_YEAR, RULE_MAX_YEAR),
        KEY_INT("start_month", Rule, start_month, 1, 12),
        KEY_BOOL("after_period", Rule, after_period),
        {.name = "due_time", .type = F_CUSTOM, .custom = parse_due_time},
        KEY_BOOL("workdays", Rule, workdays),
        KEY_ENUM("shift", Rule, shift_edge, shift_enum),
        KEY_ENUM("holiday_move", Rule, move, move_enum),
        {.name = "before_holidays", .type = F_CUSTOM, .custom = parse_before_holidays},
        KEY_BOOL("soft", Rule, soft),
        KEY_BOOL("delegable", Rule, delegable),
        KEY_BOOL("personal", Rule, personal),
};

/* The key epoch beside a phrase (每2年 needs it): *ret 0 when absent. */
static int epoch_beside(Loader *L, const YNode *map, int *ret) {
        const YNode *en = ytree_get(L->t, map, "epoch");
        *ret = 0;
        return en ? parse_int(L, en, RULE_MIN_YEAR, RULE_MAX_YEAR, ret) : 0;
}

/* A county writes the same few phrases for thousands of duties: each distinct (epoch, phrase)
 * is parsed once and its rule copied after that (parsing was a fifth of `check`). Only phrases
 * that parse are kept; a failing one is parsed again where it occurs, for its own message. */
static const PhraseMemo *phrase_memo_get(Loader *L, const char *key) {
        size_t idx;
        return hashmap_get_str(&L->phrase_ids, key, &idx) ? &L->phrases[idx] : NULL;
}

static int phrase_memo_put(Loader *L, const char *key, const Rule *r, bool assumed) {
        const char *kept = pool_strdup(L->cfg->pool, key);
        if (!kept || ARRAY_GROW(L->phrases, L->cap_phrases, L->n_phrases + 1) < 0)
                return loader_oom(L);
        PhraseMemo *m = &L->phrases[L->n_phrases];
        *m = (PhraseMemo){.assumed = assumed};
        if (rule_copy(&m->rule, r) < 0)
                return loader_oom(L);
        if (hashmap_put_str(&L->phrase_ids, kept, L->n_phrases) < 0) {
                rule_done(&m->rule);
                return loader_oom(L);
        }
        L->n_phrases++;
        return 0;
}

/* Parses phrase `s` into `r` (as rule_parse_phrase_in() does), through the memo. */
static int parse_phrase_memo(Loader *L, const char *s, int epoch, Rule *r, size_t *off,
                             const char **msg, bool *assumed) {
        /* The key "EPOCH|PHRASE", written without printf (a call for every duty). */
        char small[256], num[16];
        Str ns = str_init(num, sizeof(num));
        if (epoch < 0)
                str_put(&ns, "-");
        str_num(&ns, epoch < 0 ? 0u - (unsigned)epoch : (unsigned)epoch, 1);
        size_t nn = ns.k, len = strlen(s);
        _cleanup_free_ char *big = NULL;
        char *key = nn + 1 + len < sizeof(small) ? small : (big = malloc(nn + len + 2));
        if (!key)
                return loader_oom(L);
        memcpy(key, num, nn);
        key[nn] = '|';
        memcpy(key + nn + 1, s, len + 1);
        const PhraseMemo *m = phrase_memo_get(L, key);
        if (m) {
                *assumed = m->assumed;
                rule_done(r);
                return rule_copy(r, &m->rule) < 0 ? loader_oom(L) : 0;
        }
        int q = rule_parse_phrase_in(s, epoch, day_to_ymd(L->today).y, r, off, msg, assumed);
        if (q == -ENOMEM)
                return loader_oom(L);
        return q < 0 ? q : phrase_memo_put(L, key, r, *assumed);
}

static int parse_phrase_node(Loader *L, const YNode *n, int epoch, Rule *r) {
        const char *s = scalar(L, n);
        if (!s)
                return err_at(L, n, "expected a rule: a phrase such as 每年至少4次, or a mapping");
        size_t off = 0;
        const char *msg = NULL;
        bool assumed = false;
        int q = parse_phrase_memo(L, s, epoch, r, &off, &msg, &assumed);
        if (q == -ENOMEM)
                return q;
        if (q < 0) {
                /* Column of the character where the phrase stopped making sense. */
                int col = (int)n->column;
                if (n->quoted)
                        col++;
                for (size_t i = 0; i < off; i++)
                        col += ((unsigned char)s[i] & 0xC0) != 0x80;
                diags_add(L->diags, false, L->path, (int)n->line, col,
                          "cannot understand rule '%s': %s", s, _(msg));
                return -EINVAL;
        }
        if (assumed)
                diags_add(L->diags, true, L->path, (int)n->line, (int)n->column,
                          "rule '%s' has a date without a year: read as a one-off date in %d; "
                          "write the year (%d年…前), or 每年… for every year",
                          s, r->once, r->once);
        return 0;
}

static int parse_rule(Loader *L, const YNode *n, void *obj) {
        Duty *d = obj;
        Rule *r = &d->rule;
        rule_done(r);
        rule_init(r);
        if (n->type == Y_SCALAR)
                return parse_phrase_node(L, n, 0, r);
        if (n->type != Y_MAP)
                return err_at(L, n, "expected a rule: a phrase such as 每年至少4次, or a mapping");
        const YNode *ph = ytree_get(L->t, n, "phrase");
        int epoch;
        if (epoch_beside(L, n, &epoch) < 0 || (ph && parse_phrase_node(L, ph, epoch, r) < 0))
                return -EINVAL;
        int q = parse_map(L, n, rule_keys, ELEMENTSOF(rule_keys), r, NULL);
        if (q < 0)
                return q;
        const char *why = rule_validate(r);
        if (why)
                return err_at(L, n, "invalid rule: %s", _(why));
        return 0;
}

/* ---- reminders -------------------------------------------------------------------------- */

static int cmp_int_desc(const void *a, const void *b) {
        int x = *(const int *)a, y = *(const int *)b;
        return (x < y) - (x > y);
}

static int parse_before(Loader *L, const YNode *n, void *obj) {
        ReminderPolicy *p = obj;
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt;
        int *v = list_new(L, n, sizeof(int), &items, &cnt);
        if (!v)
                return -ENOMEM;
        int r = 0;
        size_t k = 0;
        for (size_t i = 0; i < cnt; i++) {
                int d;
                if (parse_int(L, items[i], 0, 366, &d) < 0) {
                        r = -EINVAL;
                        continue;
                }
                bool dup = false;
                for (size_t j = 0; j < k; j++)
                        dup |= v[j] == d;
                if (dup) {
                        r = err_at(L, items[i], "%d listed twice", d);
                        continue;
                }
                v[k++] = d;
        }
        qsort(v, k, sizeof(int), cmp_int_desc);
        /* Most duties say the same days: one copy of each list. */
        int *shared = (int *)pool_intern(L->cfg->pool, v, k * sizeof(int));
        if (!shared)
                return loader_oom(L);
        p->before = shared, p->n_before = (uint16_t)k; /* unique days 0–366 */
        return r;
}

static const KeyDef reminder_keys[] = {
        {.name = "before", .type = F_CUSTOM, .custom = parse_before},
        KEY_TIME("time", ReminderPolicy, minute_of_day),
        {.name = "overdue", .type = F_BOOL, .off = FIELD(ReminderPolicy, overdue)},
        KEY_INT("escalate_after", ReminderPolicy, escalate_after, 0, 60),
};

/* Bits of Loader.reminders_set: the keys of reminder_keys, in its order. */
enum { RM_BEFORE = 1 << 0, RM_TIME = 1 << 1, RM_OVERDUE = 1 << 2, RM_ESCALATE = 1 << 3 };

static int parse_duty_reminders(Loader *L, const YNode *n, void *obj) {
        Duty *d = obj;
        bool seen[ELEMENTSOF(reminder_keys)] = {0};
        int r = parse_map(L, n, reminder_keys, ELEMENTSOF(reminder_keys), &d->reminders, seen);
        for (size_t i = 0; i < ELEMENTSOF(reminder_keys); i++)
                L->duty_reminders |= seen[i] ? 1u << i : 0;
        return r;
}

int parse_reminders(Loader *L, const YNode *n, ReminderPolicy *p) {
        return parse_map(L, n, reminder_keys, ELEMENTSOF(reminder_keys), p, NULL);
}

/* ---- event clocks (eventrule.h) ------------------------------------------------------------ */

/* within / every / window / clock: a duration for that kind, or a phrase. */
static int parse_clock_as(Loader *L, const YNode *n, Duty *d, EventClockKind want) {
        const char *s = scalar(L, n);
        if (!s)
                return err_at(L, n,
                              "expected a duration such as 1h, 12h, 30d, or a phrase such "
                              "as 1小时内");
        size_t off;
        const char *msg;
        if (eventrule_parse(s, want, &d->clock, &off, &msg) < 0) {
                int col = (int)n->column + (n->quoted ? 1 : 0);
                for (size_t i = 0; i < off; i++)
                        col += ((unsigned char)s[i] & 0xC0) != 0x80;
                diags_add(L->diags, false, L->path, (int)n->line, col,
                          _("cannot understand event clock '%s': %s"), s, _(msg));
                return -EINVAL;
        }
        return 0;
}

static int parse_within(Loader *L, const YNode *n, void *obj) {
        return parse_clock_as(L, n, obj, CLOCK_WITHIN);
}
static int parse_every(Loader *L, const YNode *n, void *obj) {
        return parse_clock_as(L, n, obj, CLOCK_EVERY);
}
static int parse_window(Loader *L, const YNode *n, void *obj) {
        return parse_clock_as(L, n, obj, CLOCK_WINDOW);
}
static int parse_clock(Loader *L, const YNode *n, void *obj) {
        return parse_clock_as(L, n, obj, CLOCK_NONE);
}

static const char *const clock_keys[] = {"within", "every", "window", "clock", "levels"};

/* The clock keys belong to event duties, one clock each. */
static int check_clock(Loader *L, const YNode *n, const Duty *d) {
        const YNode *seen = NULL;
        int r = 0;
        for (size_t i = 0; i < ELEMENTSOF(clock_keys); i++) {
                const YNode *k = ytree_get(L->t, n, clock_keys[i]);
                if (!k)
                        continue;
                if (!d->event)
                        r = err_at(L, k, "'%s' is for event duties (event: …)", clock_keys[i]);
                else if (seen && i + 1 < ELEMENTSOF(clock_keys))
                        r = err_at(L, k, "give one of 'within', 'every', 'window' or 'clock'");
                if (i + 1 < ELEMENTSOF(clock_keys))
                        seen = k;
        }
        return r;
}

/* ---- duties ------------------------------------------------------------------------------- */

/* ---- where a duty applies: from, until, season ------------------------------------------- */

/* The duty being parsed's scope (Loader.scope), interned by intern_scope() at its end. */
static DutyScope *duty_scope(Loader *L) {
        if (!L->scope_set)
                L->scope = (DutyScope){.from = DAY_INVALID, .until = DAY_INVALID};
        L->scope_set = true;
        return &L->scope;
}

static int parse_valid_from(Loader *L, const YNode *n, void *obj) {
        (void)obj;
        return parse_date(L, n, &duty_scope(L)->from);
}

static int parse_valid_until(Loader *L, const YNode *n, void *obj) {
        (void)obj;
        return parse_date(L, n, &duty_scope(L)->until);
}

/* Duties with the same from/until/season share one Config.scopes entry (a county gives 汛期 to
 * thousands of duties), found by a key of its values kept in the pool. */
static int intern_scope(Loader *L, const YNode *n, Duty *d) {
        Config *c = L->cfg;
        const DutyScope *s = &L->scope;
        _cleanup_free_ char *key =
                strfmt("%" PRId32 "|%" PRId32 "|%d|%d|%d|%s", s->from, s->until, (int)s->season,
                       s->season_from, s->season_until, s->season_name ? s->season_name : "");
        if (!key)
                return loader_oom(L);
        size_t idx;
        if (!hashmap_get_str(&L->scope_ids, key, &idx)) {
                if (c->n_scopes >= UINT16_MAX)
                        return err_at(L, n, "more than 65535 different from/until/season");
                const char *kept = pool_strdup(c->pool, key);
                if (!kept || ARRAY_GROW(c->scopes, L->cap_scopes, c->n_scopes + 1) < 0 ||
                    hashmap_put_str(&L->scope_ids, kept, c->n_scopes) < 0)
                        return loader_oom(L);
                idx = c->n_scopes;
                c->scopes[c->n_scopes++] = *s;
        }
        d->scope = (uint16_t)(idx + 1);
        return 0;
}

/* "06-01" → 601 (a day every year has, 02-29 included); -1 when malformed. */
static int month_day(const char *s) {
        int m, d, k = 0;
        if (!s || sscanf(s, "%2d-%2d%n", &m, &d, &k) != 2 || s[k] || strlen(s) != 5 || m < 1 ||
            m > 12 || d < 1 || d > days_in_month(2000, m))
                return -1;
        return m * 100 + d;
}

typedef struct SeasonText {
        char *name, *from, *until;
} SeasonText;

static const KeyDef season_keys[] = {
        {.name = "name", .type = F_STR, .off = FIELD(SeasonText, name)},
        {.name = "from", .type = F_STR, .off = FIELD(SeasonText, from), .required = true},
        {.name = "until", .type = F_STR, .off = FIELD(SeasonText, until), .required = true},
};

/* season: holidays (节假日期间), or {name: 汛期, from: "06-01", until: "09-30"} each year (from
 * after until: across the year end). */
static int parse_season(Loader *L, const YNode *n, void *obj) {
        (void)obj;
        DutyScope *s = duty_scope(L);
        if (n->type == Y_SCALAR) {
                const char *v = scalar(L, n);
                if (!v || (!streq(v, "holidays") && !streq(v, "节假日期间")))
                        return err_at(L, n,
                                      "expected holidays (节假日期间) or a mapping "
                                      "{name: 汛期, from: \"06-01\", until: \"09-30\"}");
                s->season = SEASON_HOLIDAYS;
                return 0;
        }
        SeasonText t = {0};
        int q = parse_map(L, n, season_keys, ELEMENTSOF(season_keys), &t, NULL);
        if (q < 0)
                return q;
        s->season = SEASON_DAYS;
        s->season_name = t.name;
        s->season_from = month_day(t.from);
        s->season_until = month_day(t.until);
        if (s->season_from < 0)
                return err_at(L, ytree_get(L->t, n, "from"),
                              "expected a day MM-DD, e.g. \"06-01\"");
        if (s->season_until < 0)
                return err_at(L, ytree_get(L->t, n, "until"),
                              "expected a day MM-DD, e.g. \"09-30\"");
        if (s->season_from == s->season_until + 1 ||
            (s->season_from == 101 && s->season_until == 1231))
                return err_at(L, n, "a season of the whole year: leave it out");
        return 0;
}

static const KeyDef duty_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(Duty, id), .required = true},
        {.name = "post",
         .type = F_REFLIST,
         .off = FIELD(Duty, posts),
         .off_n = FIELD(Duty, n_posts),
         .ref = ENT_POST},
        {.name = "posts",
         .type = F_REFLIST,
         .off = FIELD(Duty, posts),
         .off_n = FIELD(Duty, n_posts),
         .ref = ENT_POST},
        KEY_BOOL("per_holder", Duty, per_holder),
        {.name = "title", .type = F_STR, .off = FIELD(Duty, title), .required = true},
        KEY_ENUM("kind", Duty, kind, duty_kind_names),
        {.name = "document", .type = F_REF, .off = FIELD(Duty, document), .ref = ENT_DOCUMENT},
        {.name = "clause", .type = F_STR, .off = FIELD(Duty, clause)},
        {.name = "rule", .type = F_CUSTOM, .custom = parse_rule},
        {.name = "event", .type = F_STR, .off = FIELD(Duty, event)},
        {.name = "within", .type = F_CUSTOM, .custom = parse_within},
        {.name = "every", .type = F_CUSTOM, .custom = parse_every},
        {.name = "window", .type = F_CUSTOM, .custom = parse_window},
        {.name = "clock", .type = F_CUSTOM, .custom = parse_clock},
        {.name = "levels",
         .type = F_STRLIST,
         .off = FIELD(Duty, levels),
         .off_n = FIELD(Duty, n_levels)},
        {.name = "reminders", .type = F_CUSTOM, .custom = parse_duty_reminders},
        {.name = "note", .type = F_STR, .off = FIELD(Duty, note)},
        {.name = "from", .type = F_CUSTOM, .custom = parse_valid_from},
        {.name = "until", .type = F_CUSTOM, .custom = parse_valid_until},
        {.name = "season", .type = F_CUSTOM, .custom = parse_season},
};

static int check_duty(Loader *L, const YNode *n, Duty *d) {
        const YNode *post = ytree_get(L->t, n, "post"), *posts = ytree_get(L->t, n, "posts");
        const YNode *rule = ytree_get(L->t, n, "rule"), *event = ytree_get(L->t, n, "event");
        int r = 0;
        if (post && posts)
                r = err_at(L, posts, "give either 'post' or 'posts', not both");
        else if (!post && !posts)
                r = err_at(L, n, "missing required key 'post' (or 'posts')");
        if (rule && event)
                r = err_at(L, event, "give either 'rule' or 'event', not both");
        else if (!rule && !event)
                r = err_at(L, n, "missing required key 'rule' (or 'event')");
        if (L->scope_set) {
                const DutyScope *s = &L->scope;
                if (s->from != DAY_INVALID && s->until != DAY_INVALID && s->until < s->from)
                        r = err_at(L, ytree_get(L->t, n, "until"), "until is before from");
                if (event)
                        r = err_at(L, event, "from, until and season need a rule, not an event");
        }
        if (d->per_holder && event)
                r = err_at(L, ytree_get(L->t, n, "per_holder"), "per_holder needs a rule");
        int q = check_clock(L, n, d);
        return r < 0 ? r : q;
}

static uint32_t duty_hash_own(const Config *c, const Duty *d);

int parse_duty(Loader *L, const YNode *n, size_t idx) {
        Duty *d = &L->cfg->duties[idx];
        d->document = -1;
        d->kind = KIND_OTHER;
        rule_init(&d->rule);
        L->duty_reminders = 0;
        L->scope_set = false;
        int r = parse_map(L, n, duty_keys, ELEMENTSOF(duty_keys), d, NULL);
        int q = check_duty(L, n, d);
        if (r == 0 && q == 0 && !L->defer && L->scope_set)
                q = intern_scope(L, n, d);
        if (!L->defer && L->duty_reminders) {
                /* The keys the duty sets itself; the rest come from `reminders:` at the end. */
                if (ARRAY_GROW(L->reminders_set, L->cap_reminders_set, idx + 1) < 0)
                        return loader_oom(L);
                if (idx >= L->n_reminders_set) { /* the duties in between set none */
                        memset(L->reminders_set + L->n_reminders_set, 0,
                               idx + 1 - L->n_reminders_set);
                        L->n_reminders_set = idx + 1;
                }
                L->reminders_set[idx] = L->duty_reminders;
        }
        d->hash = duty_hash_own(L->cfg, d); /* finished by finish_duties() */
        return r < 0 ? r : q;
}

/* ---- hash and defaults -------------------------------------------------------------------- */

/* FNV-1a, fed field by field: the duty hashes (Duty.hash). Feed SEQUENCE numbers persisted in
 * users' state depend on these values: they must never change. */
#define FNV_BASIS 2166136261u

static uint32_t hash_bytes(uint32_t h, const void *p, size_t n) {
        for (const unsigned char *s = p; n > 0; n--, s++)
                h = (h ^ *s) * 16777619u;
        return h;
}

/* Strings end with a 0 byte so that "ab"+"c" and "a"+"bc" differ. */
static uint32_t hash_str(uint32_t h, const char *s) {
        s = s ? s : "";
        do /* its bytes and the 0 after them, in one pass */
                h = (h ^ (unsigned char)*s) * 16777619u;
        while (*s++);
        return h;
}

static uint32_t hash_int(uint32_t h, int v) {
        return hash_bytes(h, &v, sizeof(v));
}

/* Everything that changes what the duty's occurrences look like, in two parts. The first, of
 * the duty's own keys, is taken as the duty is parsed (its strings are then in the cache) and
 * kept in Duty.hash; duty_hash_finish() goes on from it with what depends on sections that may
 * come later (terms, shifts, the `reminders:` defaults). */
static uint32_t duty_hash_own(const Config *c, const Duty *d) {
        uint32_t h = FNV_BASIS;
        const char *const strs[] = {d->id, d->title, d->clause, d->note, d->event};
        for (size_t i = 0; i < ELEMENTSOF(strs); i++)
                h = hash_str(h, strs[i]);
        const Rule *r = &d->rule;
        const int ints[] = {(int)d->kind, d->per_holder,     r->period,    r->count,
                            r->pacing,    r->due_day,        r->due_month, r->after_period,
                            (int)r->move, r->before_holidays};
        for (size_t i = 0; i < ELEMENTSOF(ints); i++)
                h = hash_int(h, ints[i]);
        for (size_t i = 0; i < r->n_holidays; i++)
                h = hash_str(h, r->holidays[i]);
        /* Keys added later count only when set: every other duty keeps its hash. */
        if (r->every > 1) {
                h = hash_int(h, r->every);
                h = hash_int(h, r->epoch);
        }
        if (r->due_weekday)
                h = hash_int(h, 1000 + r->due_weekday);
        if (r->start_month)
                h = hash_int(h, 4000 + r->start_month);
        if (r->due_months || r->once)
                h = hash_int(h, 3000 + (int)r->due_months + (r->once << 13));
        if (d->scope) { /* where it applies changes which occurrences it has */
                const DutyScope *s = &c->scopes[d->scope - 1];
                const int sc[] = {6000,           s->from,        s->until,
                                  (int)s->season, s->season_from, s->season_until};
                for (size_t i = 0; i < ELEMENTSOF(sc); i++)
                        h = hash_int(h, sc[i]);
                h = hash_str(h, s->season_name);
        }
        if (r->due_minute || r->workdays)
                h = hash_int(h, 5000 + r->due_minute + 2000 * r->workdays);
        return h;
}

static unsigned duty_hash_finish(const Config *c, const Duty *d, uint32_t h) {
        const Rule *r = &d->rule;
        bool school = period_is_school(r->period);
        for (size_t i = 0; school && i < c->n_terms; i++) /* its periods */
                h = hash_int(h, 9000 + c->terms[i].from * 7 + c->terms[i].until);
        for (size_t i = 0; r->shift_edge && i < c->n_shifts; i++) /* its times are the shifts' */
                h = hash_int(h, 7000 + (int)r->shift_edge * 3000 + c->shifts[i].start * 1440 +
                                        c->shifts[i].end);
        if (r->soft || r->delegable || r->personal)
                h = hash_int(h, 2000 + r->soft + 2 * r->delegable + 4 * r->personal);
        if (d->clock.kind != CLOCK_NONE)
                h = hash_int(h, 6000 + (int)d->clock.kind * 1000000 + d->clock.minutes);
        for (size_t i = 0; i < d->n_levels; i++)
                h = hash_str(h, d->levels[i]);
        const ReminderPolicy *p = &d->reminders;
        h = hash_int(h, (int)p->n_before);
        for (size_t i = 0; i < p->n_before; i++)
                h = hash_int(h, p->before[i]);
        h = hash_int(h, p->minute_of_day);
        h = hash_int(h, p->overdue);
        return hash_int(h, p->escalate_after);
}

/* Where duty i's id is written (its errors found once every file is read point there). */
static IdSite duty_site(const Loader *L, size_t i) {
        return i < L->cap_sites[ENT_DUTY] ? L->sites[ENT_DUTY][i] : (IdSite){.file = 0};
}

/* Duty i's rule needs a section the configuration lacks (shifts:, terms:). */
static int missing_section(Loader *L, size_t i, bool shifts) {
        IdSite s = duty_site(L, i);
        const char *id = L->cfg->duties[i].id, *file = L->files[s.file < L->n_files ? s.file : 0];
        if (shifts)
                diags_add(L->diags, false, file, s.line, s.col,
                          "duty '%s': 班前/班后 needs the organisation's shifts (shifts: [{name: "
                          "白班, start: \"08:00\", end: \"20:00\"}])",
                          id);
        else
                diags_add(L->diags, false, file, s.line, s.col,
                          "duty '%s': 每学期/每学年 needs the school terms (terms: [{name: "
                          "2026年秋季学期, from: 2026-09-01, until: 2027-01-22}])",
                          id);
        return -EINVAL;
}

/* Each duty's reminders: the keys it sets itself, the rest from `reminders:` (which may come
 * in any file, before or after the duty). Then the duty's hash, which covers them. */
int finish_duties(Loader *L) {
        Config *c = L->cfg;
        int r = 0;
        const ReminderPolicy *def = &c->reminders;
        for (size_t i = 0; i < c->n_duties; i++) {
                Duty *d = &c->duties[i];
                unsigned set = i < L->n_reminders_set ? L->reminders_set[i] : 0;
                ReminderPolicy *p = &d->reminders;
                /* A daily duty is reminded on its day only, unless it says otherwise. */
                static int daily_before[] = {0};
                if (!(set & RM_BEFORE) && d->rule.period == PERIOD_DAY)
                        p->before = daily_before, p->n_before = 1;
                else if (!(set & RM_BEFORE)) /* shared: the pool owns every list */
                        p->before = def->before, p->n_before = def->n_before;
                if (!(set & RM_TIME))
                        p->minute_of_day = def->minute_of_day;
                if (!(set & RM_OVERDUE))
                        p->overdue = def->overdue;
                if (!(set & RM_ESCALATE))
                        p->escalate_after = def->escalate_after;
                d->hash = duty_hash_finish(c, d, d->hash);
                c->any_due_time |= d->rule.due_minute > 0 || d->rule.shift_edge;
                if (d->rule.shift_edge && !c->n_shifts)
                        r = missing_section(L, i, true);
                if (period_is_school(d->rule.period) && !c->n_terms)
                        r = missing_section(L, i, false);
        }
        return r;
}
