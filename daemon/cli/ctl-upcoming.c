/* ctl-upcoming.c — see ctl-upcoming.h. */
#include "ctl-upcoming.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static int walk_occurrences(const Config *c, Day from, Day to, PlanFilter f, OccurrenceFn fn,
                            void *userdata) {
        OccurrenceList l = {0};
        int r = 0;
        for (Day a = from; r == 0 && a <= to; a += UPCOMING_SLICE_DAYS) {
                Day b = to - a < UPCOMING_SLICE_DAYS ? to : a + UPCOMING_SLICE_DAYS - 1;
                l.n = 0;
                r = schedule_plan(c, a, b, f, &l);
                for (size_t i = 0; r == 0 && i < l.n; i++)
                        r = fn(userdata, &l.items[i]);
        }
        occurrence_list_done(&l);
        /* The deadlines of events come last (their own order). */
        return r < 0 ? r : ctl_event_walk(c, from, to, f, fn, userdata);
}

#define UPCOMING_COLS 9

/* What a listing knows of a duty once it has met it: its basis, and the display widths of its
 * title and basis and the length of its id, side by side (a row reads them together; the
 * config's strings lie far apart, and at a province's size each is a cache miss). */
typedef struct DutyWidths {
        char *basis; /* NULL: not met yet */
        int title_w, basis_w, id_len;
        PeriodKind period;
} DutyWidths;

typedef struct PostWidths {
        int name_w, id_len; /* name_w -1: not met yet */
} PostWidths;

/* What the rows of a listing repeat, made once: the words in the user's language (gettext for
 * each row was a sixth of `upcoming`) and, as they are first met, what DutyWidths and
 * PostWidths hold and the widths of people's names. */
typedef struct RowCache {
        const char *date_fmt, *of_fmt, *vacant, *weekday[7], *status[_OCC_STATE_MAX];
        const char *times_fmt[RULE_MAX_COUNT + 1]; /* by count, as met */
        DutyWidths *duty;
        PostWidths *post;
        int *person_w; /* -1: not measured yet */
        int date_w[7][2], times_w[RULE_MAX_COUNT + 1], of_w, sep_w, vacant_w;
        size_t n_duties;
        Buf holders; /* the row's holders' names, reused */
} RowCache;

static int row_cache_init(RowCache *k, const Config *c) {
        *k = (RowCache){.date_fmt = _("%s (%s)"),
                        .of_fmt = _("%u of %u"),
                        .vacant = _("(vacant)"),
                        .n_duties = c->n_duties};
        k->sep_w = utf8_width("、");
        k->vacant_w = utf8_width(k->vacant);
        memset(k->date_w, 0xff, sizeof(k->date_w));
        memset(k->times_w, 0xff, sizeof(k->times_w));
        k->of_w = -1;
        for (int i = 0; i < 7; i++)
                k->weekday[i] = ctl_weekday(i + 1 - day_weekday(0)); /* days 0.. are Thu.. */
        for (int s = 0; s < _OCC_STATE_MAX; s++)
                k->status[s] = s == OCC_OPEN ? "" : ctl_state_text((OccState)s);
        k->duty = calloc(c->n_duties + 1, sizeof(DutyWidths));
        k->post = malloc((c->n_posts + 1) * sizeof(PostWidths));
        k->person_w = malloc((c->n_people + 1) * sizeof(int));
        if (!k->duty || !k->post || !k->person_w)
                return -ENOMEM;
        memset(k->person_w, 0xff, (c->n_people + 1) * sizeof(int));
        memset(k->post, 0xff, (c->n_posts + 1) * sizeof(PostWidths));
        return 0;
}

static void row_cache_done(RowCache *k) {
        for (size_t i = 0; k->duty && i < k->n_duties; i++)
                free(k->duty[i].basis);
        free(k->duty);
        free(k->post);
        free(k->person_w);
        buf_done(&k->holders);
}

/* The width of `s`, measured once into *w. */
static int width_once(int *w, const char *s) {
        if (*w < 0)
                *w = utf8_width(s);
        return *w;
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
                w->id_len = (int)strlen(d->id);
                w->period = d->rule.period;
        }
        return w;
}

static const PostWidths *post_widths(RowCache *k, const Config *c, size_t post) {
        PostWidths *w = &k->post[post];
        if (w->name_w < 0) {
                w->name_w = utf8_width(c->posts[post].name);
                w->id_len = (int)strlen(c->posts[post].id);
        }
        return w;
}

/* An occurrence's period id: from the cached period kind, without the duty's rule. */
static void row_period_id(const Config *c, const DutyWidths *dw, const Occurrence *o, char *buf,
                          size_t n) {
        if (o->event > 0 || o->holiday >= 0)
                occurrence_period_id(c, o, buf, n);
        else
                period_id(dw->period, o->period_start, buf, n);
}

static const char *row_times_fmt(RowCache *k, unsigned n) {
        if (n > RULE_MAX_COUNT)
                return P_("%u time", "%u times", n);
        if (!k->times_fmt[n])
                k->times_fmt[n] = P_("%u time", "%u times", n);
        return k->times_fmt[n];
}

/* The holders' display width, and their names (、 between them) into k->holders when `names`;
 * NULL when out of memory. */
static const char *row_holders(RowCache *k, const Config *c, const Occurrence *o, bool names,
                               int *w) {
        size_t h[MAX_POST_HOLDERS];
        size_t n = occurrence_holders(c, o, o->due, h, ELEMENTSOF(h));
        *w = n ? (int)(n - 1) * k->sep_w : k->vacant_w;
        k->holders.len = 0;
        buf_puts(&k->holders, ""); /* NUL-terminated even with no names */
        for (size_t i = 0; i < n; i++) {
                *w += width_once(&k->person_w[h[i]], c->people[h[i]].name);
                if (names) {
                        buf_puts(&k->holders, i ? "、" : "");
                        buf_puts(&k->holders, c->people[h[i]].name);
                }
        }
        return k->holders.oom ? NULL : n ? k->holders.data : k->vacant;
}

/* One row of the listing: its cells and their display widths. */
typedef struct UpcomingRow {
        char date[48], cp[32], pid[96], id[OCCURRENCE_ID_MAX];
        const char *cells[UPCOMING_COLS];
        int w[UPCOMING_COLS];
} UpcomingRow;

/* The formats below are the translations cached in row_cache_init(), not literals: msgfmt
 * --check (the build) holds each to its msgid's conversions. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void row_date(RowCache *k, const Occurrence *o, char *buf, size_t n) {
        char due[11];
        day_format(o->due, due);
        int len = snprintf(buf, n, k->date_fmt, due, k->weekday[day_weekday(o->due) - 1]);
        if (o->due_minute && len > 0 && (size_t)len + RULE_TIME_MAX <= n)
                rule_time(o->due_minute, buf + len);
}

static int digits(unsigned v) {
        int n = 1;
        while (v >= 10)
                v /= 10, n++;
        return n;
}

/* The width of the count cell, from the width of its format once per count (or per "of"
 * format: its two numbers' digits vary). */
static int count_width(RowCache *k, const Occurrence *o) {
        char buf[32];
        if (o->required > 1 && o->required <= RULE_MAX_COUNT) {
                int *w = &k->times_w[o->required];
                if (*w < 0) {
                        snprintf(buf, sizeof(buf), row_times_fmt(k, o->required), o->required);
                        *w = utf8_width(buf);
                }
                return *w;
        }
        if (o->required > 1) {
                snprintf(buf, sizeof(buf), row_times_fmt(k, o->required), o->required);
                return utf8_width(buf);
        }
        if (k->of_w < 0) {
                snprintf(buf, sizeof(buf), k->of_fmt, 0u, 0u);
                k->of_w = utf8_width(buf) - 2;
        }
        return k->of_w + digits(o->checkpoint) + digits(o->of);
}
#pragma GCC diagnostic pop

static int date_width(RowCache *k, const Occurrence *o) {
        int *w = &k->date_w[day_weekday(o->due) - 1][o->due_minute != 0];
        if (*w < 0) {
                char buf[48];
                row_date(k, o, buf, sizeof(buf));
                *w = utf8_width(buf);
        }
        return *w;
}

/* The widths of a row's cells, from what is measured once (names, titles, bases, the words)
 * and the lengths of the ids (ASCII, config.h), and its period id into `pid`; with `holders`,
 * also the holders' names (*holders). The first pass takes the widths alone; the second makes
 * the cells and aligns them with these same widths. */
static int upcoming_widths(RowCache *k, const Config *c, const Occurrence *o, int status,
                           char pid[static 96], const char **holders, int *w) {
        const DutyWidths *dw = duty_widths(k, c, o->duty);
        if (!dw)
                return -ENOMEM;
        const PostWidths *pw = post_widths(k, c, o->post);
        row_period_id(c, dw, o, pid, 96);
        int pid_w = (int)strlen(pid);
        const char *names = row_holders(k, c, o, holders != NULL, &w[5]);
        if (!names)
                return -ENOMEM;
        if (holders)
                *holders = names;
        w[0] = date_width(k, o);
        w[1] = pw->name_w;
        w[2] = dw->title_w;
        w[3] = count_width(k, o);
        w[4] = pid_w;
        w[6] = status >= 0 ? utf8_width(k->status[status]) : 0;
        w[7] = dw->basis_w;
        w[8] = dw->id_len + pw->id_len + pid_w + 3 + digits(o->checkpoint) +
               (o->person >= 0 ? 1 + (int)strlen(c->people[o->person].id) : 0);
        return 0;
}

/* The formats below are the translations cached in row_cache_init() (see row_date()). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int upcoming_row(UpcomingRow *r, RowCache *k, const Config *c, const Occurrence *o,
                        int status) {
        const char *holders;
        int q = upcoming_widths(k, c, o, status, r->pid, &holders, r->w);
        if (q < 0)
                return q;
        row_date(k, o, r->date, sizeof(r->date));
        occurrence_id_in(c, o, r->pid, r->id, sizeof(r->id));
        if (o->required > 1)
                snprintf(r->cp, sizeof(r->cp), row_times_fmt(k, o->required), o->required);
        else
                snprintf(r->cp, sizeof(r->cp), k->of_fmt, o->checkpoint, o->of);
        const char *cells[UPCOMING_COLS] = {r->date,
                                            c->posts[o->post].name,
                                            c->duties[o->duty].title,
                                            r->cp,
                                            r->pid,
                                            holders,
                                            status >= 0 ? k->status[status] : "",
                                            k->duty[o->duty].basis,
                                            r->id};
        memcpy(r->cells, cells, sizeof(cells));
        return 0;
}
#pragma GCC diagnostic pop

typedef struct Listing {
        const Config *c;
        const Ledger *ledger;
        Day today;
        int pass; /* table: 0 measures, 1 prints */
        size_t rows;
        int w[UPCOMING_COLS];
        RowCache cache;
} Listing;

/* The state of an occurrence in the record (OccState), -1 without a record. */
static int listing_state(const Listing *x, const Occurrence *o) {
        if (!x->ledger)
                return -1;
        OccStatus st;
        ledger_status(x->ledger, x->c, o, x->today, &st);
        return (int)occ_state(&st);
}

static int table_row_fn(void *userdata, const Occurrence *o) {
        Listing *x = userdata;
        x->rows++;
        if (x->pass == 0) {
                int w[UPCOMING_COLS];
                char pid[96];
                int q = upcoming_widths(&x->cache, x->c, o, listing_state(x, o), pid, NULL, w);
                for (size_t i = 0; q == 0 && i < UPCOMING_COLS; i++)
                        x->w[i] = w[i] > x->w[i] ? w[i] : x->w[i];
                return q;
        }
        UpcomingRow r;
        int q = upcoming_row(&r, &x->cache, x->c, o, listing_state(x, o));
        if (q == 0)
                table_print_row_measured(stdout, x->w, UPCOMING_COLS, r.cells, r.w);
        return q;
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
        if (r == 0)
                r = walk_occurrences(x->c, from, to, f, table_row_fn, x);
        if (r == 0 && x->rows == 0)
                printf(_("Nothing is due in that period.\n"));
        else if (r == 0) {
                x->pass = 1;
                table_print_row(stdout, x->w, UPCOMING_COLS, hdr);
                r = walk_occurrences(x->c, from, to, f, table_row_fn, x);
        }
        row_cache_done(&x->cache);
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
        int r = a->json ? walk_occurrences(c, from, to, f, json_row_fn, &x)
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
