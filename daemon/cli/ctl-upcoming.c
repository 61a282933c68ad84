/* ctl-upcoming.c — see ctl-upcoming.h. */
#include "ctl-upcoming.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "completion.h"
#include "config.h"
#include "ctl-event.h"
#include "ctl.h"
#include "holidays.h"
#include "i18n.h"
#include "schedule.h"
#include "table.h"
#include "util.h"

/* The record of completions, when this machine has the daemon's state (else NULL: statuses are
 * simply not shown). */
static Ledger *load_ledger(const Config *c) {
        _cleanup_free_ char *db = strfmt("%s/state.db", ctl_state_dir(c));
        Store *s = NULL;
        Ledger *l = NULL;
        if (!db || access(db, R_OK) < 0 || ctl_open_store(c, &s))
                return NULL;
        if (ledger_load(s, &l) < 0)
                l = NULL;
        store_close(s);
        return l;
}

/* The machine name of an occurrence's state (done, late, overdue, partial, open). */
static const char *status_of(const Config *c, const Ledger *l, const Occurrence *o, Day today) {
        OccStatus st;
        ledger_status(l, c, o, today, &st);
        return occ_status_key(&st);
}

static int print_json(const Config *c, const Occurrence *o, const char *status) {
        char id[OCCURRENCE_ID_MAX], pid[96], due[11], nominal[11];
        occurrence_id(c, o, id, sizeof(id));
        occurrence_period_id(c, o, pid, sizeof(pid));
        day_format(o->due, due);
        day_format(o->nominal, nominal);
        const Duty *d = &c->duties[o->duty];
        _cleanup_free_ char *basis = duty_basis(c, d);
        json_t *holders = json_array();
        size_t h[MAX_POST_HOLDERS];
        size_t n = occurrence_holders(c, o, o->due, h, ELEMENTSOF(h));
        for (size_t i = 0; holders && i < n; i++)
                json_array_append_new(holders, json_pack("{s:s,s:s}", "id", c->people[h[i]].id,
                                                         "name", c->people[h[i]].name));
        json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:s,s:s,s:o,s:s}", "id", id,
                              "duty", d->id, "post", c->posts[o->post].id, "post_name",
                              c->posts[o->post].name, "title", d->title, "kind",
                              duty_kind_to_string(d->kind), "period", pid, "checkpoint",
                              (int)o->checkpoint, "of", (int)o->of, "required", (int)o->required,
                              "due", due, "nominal", nominal, "holders",
                              holders ? holders : json_null(), "basis", basis ? basis : "");
        if (j && status)
                json_object_set_new(j, "status", json_string(status));
        if (j && o->due_minute) { /* the deadline's time of day, when the rule gives one */
                char t[RULE_TIME_MAX];
                rule_time(o->due_minute, t);
                json_object_set_new(j, "due_time", json_string(t));
        }
        if (!j)
                return -ENOMEM;
        char *s = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!s)
                return -ENOMEM;
        puts(s);
        free(s);
        return 0;
}

/* Walks the occurrences of [from, to] in schedule_plan()'s order, planned a month at a time:
 * the order is by deadline first, so the slices concatenate into the same sequence, and no
 * more than a month is ever held (a province's year is ten million occurrences; smaller sorts
 * are faster too). `fn` returning < 0 stops the walk. */
#define UPCOMING_SLICE_DAYS 31

typedef int (*OccurrenceFn)(void *userdata, const Occurrence *o);

/* A table's two walks plan the same slices: the first keeps them for the second while they are
 * few (a county's year, 100,000 occurrences, is 4.4 MiB), beyond that the second plans again
 * (a province's year would be 44 MiB). What is kept before it is given up counts in the peak
 * RSS of the larger listings: 5.5 MiB at most. */
#define UPCOMING_KEEP_MAX ((size_t)1 << 17)

typedef struct Kept {
        OccurrenceList l;
        bool keeping; /* the walk so far is all in l */
        bool whole;   /* l holds a whole walk: the next one reads it */
} Kept;

static void keep_slice(Kept *kept, const OccurrenceList *l) {
        if (l->n == 0) /* an empty month: nothing to copy (its items may be NULL) */
                return;
        if (kept->l.n + l->n <= UPCOMING_KEEP_MAX &&
            ARRAY_GROW(kept->l.items, kept->l.cap, kept->l.n + l->n) == 0) {
                memcpy(kept->l.items + kept->l.n, l->items, l->n * sizeof(*l->items));
                kept->l.n += l->n;
                return;
        }
        kept->keeping = false; /* too many (or no memory): the next walk plans again */
        occurrence_list_done(&kept->l);
}

static int walk_planned(const Config *c, Day from, Day to, PlanFilter f, OccurrenceFn fn,
                        void *userdata, Kept *kept) {
        OccurrenceList l = {0};
        int r = 0;
        for (Day a = from; r == 0 && a <= to; a += UPCOMING_SLICE_DAYS) {
                Day b = to - a < UPCOMING_SLICE_DAYS ? to : a + UPCOMING_SLICE_DAYS - 1;
                l.n = 0;
                r = schedule_plan(c, a, b, f, &l);
                for (size_t i = 0; r == 0 && i < l.n; i++)
                        r = fn(userdata, &l.items[i]);
                if (r == 0 && kept && kept->keeping)
                        keep_slice(kept, &l);
        }
        occurrence_list_done(&l);
        if (kept)
                kept->whole = r == 0 && kept->keeping;
        return r;
}

/* `kept`: NULL, or what a previous walk of the same range kept (or keeps this one). */
static int walk_occurrences(const Config *c, Day from, Day to, PlanFilter f, OccurrenceFn fn,
                            void *userdata, Kept *kept) {
        int r = 0;
        if (kept && kept->whole)
                for (size_t i = 0; r == 0 && i < kept->l.n; i++)
                        r = fn(userdata, &kept->l.items[i]);
        else
                r = walk_planned(c, from, to, f, fn, userdata, kept);
        /* The deadlines of events come last (their own order). */
        return r < 0 ? r : ctl_event_walk(c, from, to, f, fn, userdata);
}

#define UPCOMING_COLS 9

/* What a listing knows of a duty once it has met it: its basis, and the display widths and
 * lengths of its title and basis and the length of its id, side by side (a row reads them
 * together; the config's strings lie far apart, and at a province's size each is a cache
 * miss). */
typedef struct DutyWidths {
        char *basis; /* NULL: not met yet */
        int title_w, basis_w, id_len;
        size_t title_len, basis_len;
        PeriodKind period;
} DutyWidths;

typedef struct PostWidths {
        int name_w, id_len; /* name_w -1: not met yet */
        size_t name_len;
} PostWidths;

typedef struct PersonWidths {
        int name_w, id_len; /* name_w -1: not met yet */
        size_t name_len;
} PersonWidths;

/* A cell whose text follows from a small key (a date, a count, a period), made once per key:
 * rows come by deadline, so a day's rows repeat the same few. Direct-mapped, key 0 = empty. */
typedef struct CachedCell {
        uint64_t key;
        int w;
        uint8_t len;
        char s[43];
} CachedCell;

#define CELL_CACHE_BITS 8

/* The slot of `key` in a cache of 2^CELL_CACHE_BITS cells; *hit when it holds key already. */
static CachedCell *cell_slot(CachedCell *t, uint64_t key, bool *hit) {
        CachedCell *e = &t[(key * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - CELL_CACHE_BITS)];
        *hit = e->key == key;
        e->key = key;
        return e;
}

/* What the rows of a listing repeat, made once: the words in the user's language (gettext for
 * each row was a sixth of `upcoming`) and, as they are first met, what DutyWidths, PostWidths
 * and PersonWidths hold and the cells of dates, counts and periods. */
typedef struct RowCache {
        const char *date_fmt, *of_fmt, *vacant, *weekday[7], *status[_OCC_STATE_MAX];
        int status_w[_OCC_STATE_MAX];
        size_t status_len[_OCC_STATE_MAX], vacant_len;
        const char *times_fmt[RULE_MAX_COUNT + 1]; /* by count, as met */
        DutyWidths *duty;
        PostWidths *post;
        PersonWidths *person;
        int sep_w, vacant_w;
        size_t n_duties;
        CachedCell (*dates)[1 << CELL_CACHE_BITS], (*counts)[1 << CELL_CACHE_BITS],
                (*periods)[1 << CELL_CACHE_BITS];
        Buf holders; /* the row's holders' names, reused */
} RowCache;

static int row_cache_init(RowCache *k, const Config *c) {
        *k = (RowCache){.date_fmt = _("%s (%s)"),
                        .of_fmt = _("%u of %u"),
                        .vacant = _("(vacant)"),
                        .n_duties = c->n_duties};
        k->sep_w = utf8_width("、");
        k->vacant_w = utf8_width(k->vacant);
        k->vacant_len = strlen(k->vacant);
        for (int i = 0; i < 7; i++)
                k->weekday[i] = ctl_weekday(i + 1 - day_weekday(0)); /* days 0.. are Thu.. */
        for (int s = 0; s < _OCC_STATE_MAX; s++) {
                k->status[s] = s == OCC_OPEN ? "" : ctl_state_text((OccState)s);
                k->status_w[s] = utf8_width(k->status[s]);
                k->status_len[s] = strlen(k->status[s]);
        }
        k->duty = calloc(c->n_duties + 1, sizeof(DutyWidths));
        k->post = malloc((c->n_posts + 1) * sizeof(PostWidths));
        k->person = malloc((c->n_people + 1) * sizeof(PersonWidths));
        k->dates = calloc(1, sizeof(*k->dates));
        k->counts = calloc(1, sizeof(*k->counts));
        k->periods = calloc(1, sizeof(*k->periods));
        if (!k->duty || !k->post || !k->person || !k->dates || !k->counts || !k->periods)
                return -ENOMEM;
        memset(k->person, 0xff, (c->n_people + 1) * sizeof(PersonWidths));
        memset(k->post, 0xff, (c->n_posts + 1) * sizeof(PostWidths));
        return 0;
}

static void row_cache_done(RowCache *k) {
        for (size_t i = 0; k->duty && i < k->n_duties; i++)
                free(k->duty[i].basis);
        free(k->duty);
        free(k->post);
        free(k->person);
        free(k->dates);
        free(k->counts);
        free(k->periods);
        buf_done(&k->holders);
}

/* A duty's entry, filled when first met; NULL when out of memory. */
static const DutyWidths *duty_widths(RowCache *k, const Config *c, size_t duty) {
        DutyWidths *w = &k->duty[duty];
        if (!w->basis) {
                const Duty *d = &c->duties[duty];
                if (!(w->basis = duty_basis(c, d)))
                        return NULL;
                w->title_w = utf8_width(d->title);
                w->basis_w = utf8_width(w->basis);
                w->title_len = strlen(d->title);
                w->basis_len = strlen(w->basis);
                w->id_len = (int)strlen(d->id);
                w->period = d->rule.period;
        }
        return w;
}

static const PostWidths *post_widths(RowCache *k, const Config *c, size_t post) {
        PostWidths *w = &k->post[post];
        if (w->name_w < 0) {
                w->name_w = utf8_width(c->posts[post].name);
                w->name_len = strlen(c->posts[post].name);
                w->id_len = (int)strlen(c->posts[post].id);
        }
        return w;
}

static const PersonWidths *person_widths(RowCache *k, const Config *c, size_t person) {
        PersonWidths *w = &k->person[person];
        if (w->name_w < 0) {
                w->name_w = utf8_width(c->people[person].name);
                w->name_len = strlen(c->people[person].name);
                w->id_len = (int)strlen(c->people[person].id);
        }
        return w;
}

static const char *row_times_fmt(RowCache *k, unsigned n) {
        if (n > RULE_MAX_COUNT)
                return P_("%u time", "%u times", n);
        if (!k->times_fmt[n])
                k->times_fmt[n] = P_("%u time", "%u times", n);
        return k->times_fmt[n];
}

/* The holders' display width, and with `names` their names (、 between them) in k->holders,
 * *len bytes; NULL when out of memory. */
static const char *row_holders(RowCache *k, const Config *c, const Occurrence *o, bool names,
                               int *w, size_t *len) {
        size_t h[MAX_POST_HOLDERS];
        size_t n = occurrence_holders(c, o, o->due, h, ELEMENTSOF(h));
        *w = n ? (int)(n - 1) * k->sep_w : k->vacant_w;
        k->holders.len = 0;
        buf_put(&k->holders, "", 0); /* NUL-terminated even with no names */
        for (size_t i = 0; i < n; i++) {
                const PersonWidths *pw = person_widths(k, c, h[i]);
                *w += pw->name_w;
                if (names) {
                        if (i)
                                buf_put(&k->holders, "、", strlen("、"));
                        buf_put(&k->holders, c->people[h[i]].name, pw->name_len);
                }
        }
        if (k->holders.oom)
                return NULL;
        *len = n ? k->holders.len : k->vacant_len;
        return n ? k->holders.data : k->vacant;
}

/* The formats below are the translations cached in row_cache_init(), not literals: msgfmt
 * --check (the build) holds each to its msgid's conversions. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* The deadline's cell: the date, its weekday and the time of day when the rule gives one. */
static const CachedCell *cell_date(RowCache *k, const Occurrence *o) {
        bool hit;
        CachedCell *e =
                cell_slot(*k->dates, (uint64_t)(o->due_minute + 1) << 32 | (uint32_t)o->due, &hit);
        if (!hit) {
                char due[11];
                day_format(o->due, due);
                int len = snprintf(e->s, sizeof(e->s), k->date_fmt, due,
                                   k->weekday[day_weekday(o->due) - 1]);
                if (o->due_minute && len > 0 && (size_t)len + RULE_TIME_MAX <= sizeof(e->s))
                        rule_time(o->due_minute, e->s + len);
                e->len = (uint8_t)strlen(e->s);
                e->w = utf8_width(e->s);
        }
        return e;
}

/* The count's cell: "N times" for a count not paced, else "i of N". */
static const CachedCell *cell_count(RowCache *k, const Occurrence *o) {
        bool hit;
        uint64_t key = o->required > 1 ? (uint64_t)1 << 48 | o->required
                                       : (uint64_t)2 << 48 | (uint64_t)o->checkpoint << 16 | o->of;
        CachedCell *e = cell_slot(*k->counts, key, &hit);
        if (!hit) {
                if (o->required > 1)
                        snprintf(e->s, sizeof(e->s), row_times_fmt(k, o->required), o->required);
                else
                        snprintf(e->s, sizeof(e->s), k->of_fmt, o->checkpoint, o->of);
                e->len = (uint8_t)strlen(e->s);
                e->w = utf8_width(e->s);
        }
        return e;
}
#pragma GCC diagnostic pop

/* An occurrence's period id: from the cached period kind, without the duty's rule; an event's
 * or a holiday's in `buf` (they carry their own names). Its length in *len. */
static const char *cell_period(RowCache *k, const Config *c, const DutyWidths *dw,
                               const Occurrence *o, char buf[static 96], size_t *len) {
        if (o->event > 0 || o->holiday >= 0) {
                occurrence_period_id(c, o, buf, 96);
                *len = strlen(buf);
                return buf;
        }
        bool hit;
        CachedCell *e = cell_slot(
                *k->periods, (uint64_t)(dw->period + 1) << 32 | (uint32_t)o->period_start, &hit);
        if (!hit) {
                period_id(dw->period, o->period_start, e->s, sizeof(e->s));
                e->len = (uint8_t)strlen(e->s);
        }
        *len = e->len;
        return e->s;
}

static int digits(unsigned v) {
        int n = 1;
        while (v >= 10)
                v /= 10, n++;
        return n;
}

/* One row of the listing: its cells, their lengths and display widths. */
typedef struct UpcomingRow {
        char pid[96], id[OCCURRENCE_ID_MAX];
        const char *cells[UPCOMING_COLS];
        size_t len[UPCOMING_COLS];
        int w[UPCOMING_COLS];
} UpcomingRow;

typedef struct Listing {
        const Config *c;
        const Ledger *ledger;
        Day today;
        int pass;    /* table: 0 measures, 1 prints */
        size_t rows; /* of this pass so far */
        int w[UPCOMING_COLS];
        RowCache cache;
        Kept kept;
        uint8_t *states; /* the first pass's states of its first rows, for the second */
        size_t n_states, cap_states;
} Listing;

/* A byte a row: a province's year would be 10 MiB. */
#define UPCOMING_STATES_MAX ((size_t)1 << 20)

/* The state of the pass's next occurrence in the record (OccState), -1 without a record; `pid`:
 * its period id. Both passes list the same rows in the same order, so the second takes the
 * first's (a key made and looked up for each row was a fifth of a county's year). */
static int listing_state(Listing *x, const Occurrence *o, const char *pid) {
        if (!x->ledger)
                return -1;
        size_t i = x->rows;
        if (x->pass == 1 && i < x->n_states)
                return x->states[i];
        OccStatus st;
        ledger_status_in(x->ledger, x->c, o, pid, x->today, &st);
        int s = (int)occ_state(&st);
        if (x->pass == 0 && i == x->n_states && i < UPCOMING_STATES_MAX &&
            ARRAY_GROW(x->states, x->cap_states, i + 1) == 0)
                x->states[x->n_states++] = (uint8_t)s;
        return s;
}

/* A row's cells and their widths, from what is measured once (names, titles, bases, the words,
 * the cached cells) and the lengths of the ids (ASCII, config.h). The first pass (`text`
 * false) takes the widths alone; the second also makes the holders' names and the id, and
 * aligns the cells with these same widths. */
static int upcoming_row(UpcomingRow *r, Listing *x, const Occurrence *o, bool text) {
        RowCache *k = &x->cache;
        const Config *c = x->c;
        const DutyWidths *dw = duty_widths(k, c, o->duty);
        if (!dw)
                return -ENOMEM;
        const PostWidths *pw = post_widths(k, c, o->post);
        const CachedCell *date = cell_date(k, o), *count = cell_count(k, o);
        size_t pid_len;
        const char *pid = cell_period(k, c, dw, o, r->pid, &pid_len);
        int status = listing_state(x, o, pid);
        const char *holders = row_holders(k, c, o, text, &r->w[5], &r->len[5]);
        if (!holders)
                return -ENOMEM;
        r->w[0] = date->w;
        r->w[1] = pw->name_w;
        r->w[2] = dw->title_w;
        r->w[3] = count->w;
        r->w[4] = (int)pid_len;
        r->w[6] = status >= 0 ? k->status_w[status] : 0;
        r->w[7] = dw->basis_w;
        r->w[8] = dw->id_len + pw->id_len + (int)pid_len + 3 + digits(o->checkpoint) +
                  (o->person >= 0 ? 1 + person_widths(k, c, (size_t)o->person)->id_len : 0);
        if (!text)
                return 0;
        occurrence_id_in(c, o, pid, r->id, sizeof(r->id));
        const char *cells[UPCOMING_COLS] = {date->s,
                                            c->posts[o->post].name,
                                            c->duties[o->duty].title,
                                            count->s,
                                            pid,
                                            holders,
                                            status >= 0 ? k->status[status] : "",
                                            k->duty[o->duty].basis,
                                            r->id};
        size_t len[UPCOMING_COLS] = {date->len,
                                     pw->name_len,
                                     dw->title_len,
                                     count->len,
                                     pid_len,
                                     r->len[5],
                                     status >= 0 ? k->status_len[status] : 0,
                                     dw->basis_len,
                                     (size_t)r->w[8]};
        memcpy(r->cells, cells, sizeof(cells));
        memcpy(r->len, len, sizeof(len));
        return 0;
}

static int table_row_fn(void *userdata, const Occurrence *o) {
        Listing *x = userdata;
        UpcomingRow r;
        int q = upcoming_row(&r, x, o, x->pass == 1);
        if (q < 0)
                return q;
        x->rows++;
        if (x->pass == 0)
                for (size_t i = 0; i < UPCOMING_COLS; i++)
                        x->w[i] = r.w[i] > x->w[i] ? r.w[i] : x->w[i];
        else
                table_print_row_measured(stdout, x->w, UPCOMING_COLS, r.cells, r.len, r.w);
        return 0;
}

/* The machine name of an occurrence's state (JSON), NULL without a record. */
static const char *listing_status(const Listing *x, const Occurrence *o) {
        return x->ledger ? status_of(x->c, x->ledger, o, x->today) : NULL;
}

static int json_row_fn(void *userdata, const Occurrence *o) {
        Listing *x = userdata;
        return print_json(x->c, o, listing_status(x, o));
}

/* The aligned table, streamed: a first walk for the column widths, a second that prints the
 * rows; no row is kept. */
static int print_upcoming_table(Listing *x, Day from, Day to, PlanFilter f) {
        static const char *const hdr_en[UPCOMING_COLS] = {N_("Due"),    N_("Post"),   N_("Duty"),
                                                          N_("Count"),  N_("Period"), N_("Holders"),
                                                          N_("Status"), N_("Basis"),  N_("ID")};
        const char *hdr[UPCOMING_COLS];
        table_translate(hdr, hdr_en, UPCOMING_COLS);
        table_widths(x->w, UPCOMING_COLS, hdr);
        int r = row_cache_init(&x->cache, x->c);
        x->kept.keeping = true;
        if (r == 0)
                r = walk_occurrences(x->c, from, to, f, table_row_fn, x, &x->kept);
        if (r == 0 && x->rows == 0)
                printf(_("Nothing is due in that period.\n"));
        else if (r == 0) {
                x->pass = 1;
                x->rows = 0;
                table_print_row(stdout, x->w, UPCOMING_COLS, hdr);
                r = walk_occurrences(x->c, from, to, f, table_row_fn, x, &x->kept);
        }
        row_cache_done(&x->cache);
        occurrence_list_done(&x->kept.l);
        free(x->states);
        return r;
}

static int parse_day_arg(const char *s, const char *opt, Day *ret) {
        Day d = day_parse(s);
        if (d == DAY_INVALID) {
                fprintf(stderr, _("%s: a date is written YYYY-MM-DD: %s\n"), opt, s);
                return -EINVAL;
        }
        *ret = d;
        return 0;
}

typedef struct UpcomingArgs {
        const char *from, *to, *post, *person, *duty;
        bool json;
} UpcomingArgs;

/* --post, --person and --duty as a filter; -ENOENT (said) for an unknown id. */
static int upcoming_filter(const Config *c, const UpcomingArgs *a, PlanFilter *ret) {
        PlanFilter f = PLAN_FILTER_ALL;
        if (a->post && (f.post = config_find_post(c, a->post)) < 0) {
                fprintf(stderr, _("upcoming: no post '%s'\n"), a->post);
                return -ENOENT;
        }
        if (a->person && (f.person = config_find_person(c, a->person)) < 0) {
                fprintf(stderr, _("upcoming: no person '%s'\n"), a->person);
                return -ENOENT;
        }
        if (a->duty && (f.duty = config_find_duty(c, a->duty)) < 0) {
                fprintf(stderr, _("upcoming: no duty '%s'\n"), a->duty);
                return -ENOENT;
        }
        *ret = f;
        return 0;
}

static int run_upcoming(Config *c, const void *args) {
        const UpcomingArgs *a = args;
        ctl_bulk_output(); /* nothing is written to stdout before */
        Day from = ctl_today(c), to;
        if (a->from && parse_day_arg(a->from, "--from", &from) < 0)
                return EXIT_USAGE;
        to = from + 90;
        if (a->to && parse_day_arg(a->to, "--to", &to) < 0)
                return EXIT_USAGE;
        PlanFilter f;
        if (upcoming_filter(c, a, &f) < 0)
                return 1;
        _cleanup_free_ char *note = NULL;
        if (holidays_provisional_note(c->calendar, from, to, &note) == 0 && note)
                fprintf(stderr, _("warning: %s\n"), note);
        Ledger *ledger = load_ledger(c);
        Listing x = {.c = c, .ledger = ledger, .today = ctl_today(c)};
        int r = a->json ? walk_occurrences(c, from, to, f, json_row_fn, &x, NULL)
                        : print_upcoming_table(&x, from, to, f);
        ledger_free(ledger);
        if (r < 0)
                fprintf(stderr, "upcoming: %s\n", strerror(-r));
        return r < 0 ? 1 : 0;
}

int verb_upcoming(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'},         {"from", required_argument, NULL, 'f'},
                {"to", required_argument, NULL, 't'},     {"post", required_argument, NULL, 'p'},
                {"person", required_argument, NULL, 'P'}, {"duty", required_argument, NULL, 'd'},
                {"json", no_argument, NULL, 'j'},         {}};
        UpcomingArgs a = {0};
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf(_(
                                "Usage: dutyctl upcoming [-c FILE] [--from DATE] [--to DATE] [--post ID]\n"
                                "                        [--person ID] [--duty ID] [--json]\n"
                                "List the occurrences by deadline (default: today and the next 90 days).\n"
                                "  --json  one JSON object a line (id duty post title period checkpoint of due\n"
                                "          holders basis …; with the state database also status: done late\n"
                                "          overdue partial open)\n"
                                "With the state database (dutyd's state.db) each occurrence's status is shown.\n"));
                        return 0;
                case 'f': a.from = optarg; break;
                case 't': a.to = optarg; break;
                case 'p': a.post = optarg; break;
                case 'P': a.person = optarg; break;
                case 'd': a.duty = optarg; break;
                case 'j': a.json = true; break;
                default: return EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, _("upcoming: unexpected argument: %s\n"), argv[optind]);
                return EXIT_USAGE;
        }
        return ctl_with_config(run_upcoming, &a);
}
