/* flat.c — see flat.h.
 *
 * The block: a header, then every array and string the Config points to and the Config itself,
 * each at an offset aligned to 8. A pointer is stored as the offset of what it points to (0,
 * the header's place, is NULL). One function per struct type names its pointer fields
 * (visit_*): the same function turns pointers into offsets when encoding and offsets back into
 * pointers when decoding, so the two directions cannot disagree; the other fields of a struct
 * are copied as they are. Equal strings and lists of numbers are stored once (a county's duties
 * share their clauses, posts and reminder days). Decoding checks every offset against the block
 * and every index against the array it indexes, then copies out the few things that config_free()
 * frees one by one (a rule's holiday names, the calendar). */
#include "flat.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "pool.h"
#include "util.h"

#define FLAT_MAGIC "dutydcf1" /* the 1 rises when the meaning of a field changes */
#define FLAT_ALIGN 8
#define FLAT_ITEM_MAX 1024 /* the largest struct kept in an array (checked below) */

/* The sizes of the structs: a block written by a build with another layout is refused. */
#define FLAT_LAYOUT                                                         \
        ((uint64_t)sizeof(Config) | (uint64_t)sizeof(Duty) << 10 |          \
         (uint64_t)sizeof(Channel) << 20 | (uint64_t)sizeof(Person) << 30 | \
         (uint64_t)sizeof(Rule) << 40 | (uint64_t)sizeof(Route) << 50 |     \
         (uint64_t)(sizeof(CalendarYear) + sizeof(Post) + sizeof(DutyScope)) << 54)

_Static_assert(sizeof(Config) <= FLAT_ITEM_MAX && sizeof(Duty) <= FLAT_ITEM_MAX &&
                       sizeof(Channel) <= FLAT_ITEM_MAX && sizeof(Calendar) <= FLAT_ITEM_MAX &&
                       sizeof(CalendarYear) <= FLAT_ITEM_MAX,
               "a struct is larger than the encoder's scratch item");

/* A field added to one of these types: if it is a pointer, visit it below (visit_*), then
 * update its size here (the sizes of a 64-bit build). */
#if __SIZEOF_POINTER__ == 8
_Static_assert(sizeof(Config) == 392 && sizeof(Duty) == 152 && sizeof(Channel) == 200 &&
                       sizeof(Person) == 64 && sizeof(Post) == 32 && sizeof(Document) == 32 &&
                       sizeof(Route) == 72 && sizeof(Rule) == 40 && sizeof(ReminderPolicy) == 16 &&
                       sizeof(Secret) == 32 && sizeof(DutyScope) == 32 && sizeof(Shift) == 16 &&
                       sizeof(Term) == 16 && sizeof(Calendar) == 48 &&
                       sizeof(CalendarYear) == 760 && sizeof(Holiday) == 32 && sizeof(Diag) == 32,
               "a struct of the config changed: see flat.c");
#endif

typedef struct FlatHeader {
        char magic[8];
        uint64_t layout;
        uint64_t size;                 /* of the whole block */
        uint64_t config;               /* offset of the Config */
        uint64_t warnings, n_warnings; /* an array of Diag */
} FlatHeader;

#define FLAT_OUT_BUFFER (256 * 1024)
#define FLAT_SHARE_MAX 64 /* values up to this size are stored once (leaf_put()) */
#define FLAT_SHARE_SLOTS 16384

typedef enum FlatMode {
        FLAT_MEASURE, /* the size of the tables (their elements are written in order) */
        FLAT_ENCODE,
        FLAT_DECODE,
} FlatMode;

/* Encoding: one of the block's two regions, written in order through a buffer. */
typedef struct FlatOut {
        uint64_t at; /* block offset of the next byte */
        char *buf;
        size_t len; /* bytes in buf, not yet written: they end at `at` */
} FlatOut;

/* A value stored already, by its bytes (a direct-mapped cache: the same config gives the same
 * block, and memory stays bounded). */
typedef struct FlatShare {
        uint64_t off;
        uint32_t len;
        unsigned char bytes[FLAT_SHARE_MAX];
} FlatShare;

typedef struct Flat {
        FlatMode mode;
        char *b;              /* decoding: the block */
        size_t n;             /* decoding: its size */
        uint64_t tables_end;  /* measuring: where the tables end */
        FlatOut tables;       /* encoding: the config's large arrays, element after element */
        FlatOut leaves;       /* encoding: the rest, after the tables */
        FlatShare *share;     /* encoding: FLAT_SHARE_SLOTS */
        const FlatSink *sink; /* encoding */
        int error;            /* the first: -ENOMEM, -EBADMSG or the sink's */
} Flat;

typedef void (*FlatVisit)(Flat *f, void *item);

static void flat_fail(Flat *f, int error) {
        if (!f->error)
                f->error = error;
}

static uint64_t align_up(uint64_t v) {
        return (v + FLAT_ALIGN - 1) & ~(uint64_t)(FLAT_ALIGN - 1);
}

/* ---- encoding: the two regions ------------------------------------------------------------- */

static void out_flush(Flat *f, FlatOut *o) {
        if (o->len && !f->error) {
                int r = f->sink->write(f->sink->userdata, o->at - o->len, o->buf, o->len);
                if (r < 0)
                        flat_fail(f, r);
        }
        o->len = 0;
}

static void out_bytes(Flat *f, FlatOut *o, const void *p, size_t n) {
        const char *s = p;
        while (n > 0 && !f->error) {
                if (o->len == FLAT_OUT_BUFFER)
                        out_flush(f, o);
                size_t k = n < FLAT_OUT_BUFFER - o->len ? n : FLAT_OUT_BUFFER - o->len;
                memcpy(o->buf + o->len, s, k);
                o->len += k, o->at += k, s += k, n -= k;
        }
}

/* `n` bytes at the next aligned offset of `o`; that offset. */
static uint64_t out_put(Flat *f, FlatOut *o, const void *p, size_t n) {
        static const char zeros[FLAT_ALIGN];
        out_bytes(f, o, zeros, (size_t)(align_up(o->at) - o->at));
        uint64_t at = o->at;
        out_bytes(f, o, p, n);
        return at;
}

/* A leaf's bytes: once for each small value seen again (a county's duties share their titles,
 * clauses, posts and reminder days), always for large ones. */
static uint64_t leaf_put(Flat *f, const void *p, size_t len) {
        if (len > FLAT_SHARE_MAX)
                return out_put(f, &f->leaves, p, len);
        FlatShare *s = &f->share[fnv1a64(FNV1A64_BASIS, p, len) & (FLAT_SHARE_SLOTS - 1)];
        if (s->off && s->len == len && memcmp(s->bytes, p, len) == 0)
                return s->off;
        uint64_t at = out_put(f, &f->leaves, p, len);
        *s = (FlatShare){.off = at, .len = (uint32_t)len};
        memcpy(s->bytes, p, len);
        return at;
}

/* ---- decoding ------------------------------------------------------------------------------- */

/* The address of `len` bytes at the offset stored in `v`; NULL for 0 and on error. */
static void *flat_at(Flat *f, const void *v, size_t len) {
        uintptr_t off = (uintptr_t)v;
        if (!off || f->error)
                return NULL;
        if (off % FLAT_ALIGN || off < sizeof(FlatHeader) || off > f->n || len > f->n - off) {
                flat_fail(f, -EBADMSG);
                return NULL;
        }
        return f->b + off;
}

/* ---- a pointer, either way -------------------------------------------------------------------- */

/* A pointer to `len` bytes without pointers in them (a string, a list of numbers). */
static void flat_leaf(Flat *f, void **p, size_t len) {
        if (f->mode == FLAT_DECODE)
                *p = flat_at(f, *p, len);
        else if (f->mode == FLAT_ENCODE && *p && !f->error)
                *p = (void *)(uintptr_t)leaf_put(f, *p, len);
}

static void flat_leaves(Flat *f, void **p, size_t n, size_t size) {
        if ((size && n > SIZE_MAX / size) || (f->mode == FLAT_DECODE && !*p && n))
                flat_fail(f, -EBADMSG);
        else
                flat_leaf(f, p, n * size);
}
#define FLAT_LEAVES(f, field, n) flat_leaves((f), (void **)&(field), (n), sizeof *(field))

/* A NUL-terminated string: decoding finds the NUL inside the block (it ends with one). */
static void flat_str(Flat *f, char **s) {
        flat_leaf(f, (void **)s, f->mode == FLAT_DECODE ? 1 : *s ? strlen(*s) + 1 : 0);
}

static bool items_ok(Flat *f, void *p, size_t n, size_t size) {
        if ((f->mode == FLAT_DECODE && !p && n) || n > SIZE_MAX / size) /* none, yet a count */
                flat_fail(f, -EBADMSG);
        return p && !f->error;
}

/* Decoding: the structs at *p, each visited in place. */
static void items_decode(Flat *f, void **p, size_t n, size_t size, FlatVisit visit) {
        char *a = *p = flat_at(f, *p, n * size);
        for (size_t i = 0; a && i < n && !f->error; i++)
                visit(f, a + i * size);
}

/* A pointer to a few structs with pointers of their own (visit): a list of names, the calendar.
 * Encoded after what they point to, as one leaf. */
static void flat_items(Flat *f, void **p, size_t n, size_t size, FlatVisit visit) {
        if (!items_ok(f, *p, n, size) || f->mode == FLAT_MEASURE)
                return;
        if (f->mode == FLAT_DECODE) {
                items_decode(f, p, n, size, visit);
                return;
        }
        char *a = malloc(n * size + 1); /* + 1: never malloc(0) */
        if (!a) {
                flat_fail(f, -ENOMEM);
                return;
        }
        memcpy(a, *p, n * size);
        for (size_t i = 0; i < n && !f->error; i++)
                visit(f, a + i * size);
        *p = (void *)(uintptr_t)out_put(f, &f->leaves, a, n * size);
        free(a);
}
#define FLAT_ITEMS(f, field, n, visit) \
        flat_items((f), (void **)&(field), (n), sizeof *(field), (visit))

/* One of the config's large arrays (its duties …): encoded element after element into the
 * tables, each after what it points to, so that a province's config is never copied whole. */
static void flat_table(Flat *f, void **p, size_t n, size_t size, FlatVisit visit) {
        if (!items_ok(f, *p, n, size))
                return;
        if (f->mode == FLAT_MEASURE) {
                f->tables_end = align_up(f->tables_end) + n * size;
                return;
        }
        if (f->mode == FLAT_DECODE) {
                items_decode(f, p, n, size, visit);
                return;
        }
        uint64_t at = out_put(f, &f->tables, NULL, 0);
        alignas(max_align_t) char item[FLAT_ITEM_MAX];
        for (size_t i = 0; i < n && !f->error; i++) {
                memcpy(item, (char *)*p + i * size, size);
                visit(f, item);
                out_bytes(f, &f->tables, item, size);
        }
        *p = (void *)(uintptr_t)at;
}
#define FLAT_TABLE(f, field, n, visit) \
        flat_table((f), (void **)&(field), (n), sizeof *(field), (visit))

/* ---- the pointer fields of each type ------------------------------------------------------ */

static void visit_str(Flat *f, void *p) {
        flat_str(f, p);
}

static void visit_document(Flat *f, void *p) {
        Document *d = p;
        flat_str(f, &d->id);
        flat_str(f, &d->title);
        flat_str(f, &d->number);
}

static void visit_post(Flat *f, void *p) {
        Post *x = p;
        flat_str(f, &x->id);
        flat_str(f, &x->name);
        FLAT_LEAVES(f, x->escalate_to, x->n_escalate_to);
}

static void visit_person(Flat *f, void *p) {
        Person *x = p;
        flat_str(f, &x->id);
        flat_str(f, &x->name);
        flat_str(f, &x->email);
        flat_str(f, &x->mobile);
        FLAT_LEAVES(f, x->tenures, x->n_tenures);
        FLAT_LEAVES(f, x->channels, x->n_channels);
}

static void visit_reminders(Flat *f, ReminderPolicy *r) {
        FLAT_LEAVES(f, r->before, r->n_before);
}

static void visit_duty(Flat *f, void *p) {
        Duty *d = p;
        flat_str(f, &d->id);
        flat_str(f, &d->title);
        flat_str(f, &d->clause);
        flat_str(f, &d->note);
        flat_str(f, &d->event);
        FLAT_LEAVES(f, d->posts, d->n_posts);
        FLAT_ITEMS(f, d->rule.holidays, d->rule.n_holidays, visit_str);
        FLAT_ITEMS(f, d->levels, d->n_levels, visit_str);
        visit_reminders(f, &d->reminders);
}

static void visit_scope(Flat *f, void *p) {
        flat_str(f, &((DutyScope *)p)->season_name);
}

static void visit_shift(Flat *f, void *p) {
        flat_str(f, &((Shift *)p)->name);
}

static void visit_term(Flat *f, void *p) {
        flat_str(f, &((Term *)p)->name);
}

static void visit_secret(Flat *f, Secret *s) {
        s->value = NULL; /* never stored, never trusted */
        flat_str(f, &s->file);
        flat_str(f, &s->credential);
        flat_str(f, &s->where);
}

static void visit_channel(Flat *f, void *p) {
        Channel *ch = p;
        flat_str(f, &ch->id);
        flat_str(f, &ch->name);
        flat_str(f, &ch->url);
        visit_secret(f, &ch->key);
        visit_secret(f, &ch->secret);
        flat_str(f, &ch->username);
        visit_secret(f, &ch->password);
        flat_str(f, &ch->from);
        flat_str(f, &ch->from_name);
        FLAT_ITEMS(f, ch->to, ch->n_to, visit_str);
        flat_str(f, &ch->ca_file);
}

static void visit_route(Flat *f, void *p) {
        Route *r = p;
        FLAT_LEAVES(f, r->duties, r->n_duties);
        FLAT_LEAVES(f, r->posts, r->n_posts);
        FLAT_LEAVES(f, r->kinds, r->n_kinds);
        FLAT_LEAVES(f, r->channels, r->n_channels);
}

static void visit_year(Flat *f, void *p) {
        flat_str(f, &((CalendarYear *)p)->source);
}

static void visit_holiday(Flat *f, void *p) {
        Holiday *h = p;
        flat_str(f, &h->id);
        flat_str(f, &h->name);
}

static void visit_calendar(Flat *f, void *p) {
        Calendar *cal = p;
        cal->cap_years = cal->n_years;
        cal->cap_holidays = cal->n_holidays;
        FLAT_ITEMS(f, cal->years, cal->n_years, visit_year);
        FLAT_ITEMS(f, cal->holidays, cal->n_holidays, visit_holiday);
}

static void visit_diag(Flat *f, void *p) {
        Diag *d = p;
        flat_str(f, &d->file);
        flat_str(f, &d->msg);
}

static void visit_config(Flat *f, Config *c) {
        c->pool = NULL;
        c->flat = NULL;
        c->holders_off = NULL; /* rebuilt: config_index_holders() */
        c->holders = NULL;
        flat_str(f, &c->path);
        flat_str(f, &c->dir);
        flat_str(f, &c->org_name);
        flat_str(f, &c->timezone);
        flat_str(f, &c->holidays_path);
        flat_str(f, &c->state_dir);
        flat_items(f, (void **)&c->calendar, 1, sizeof(Calendar), visit_calendar);
        FLAT_TABLE(f, c->documents, c->n_documents, visit_document);
        FLAT_TABLE(f, c->posts, c->n_posts, visit_post);
        FLAT_TABLE(f, c->people, c->n_people, visit_person);
        FLAT_TABLE(f, c->duties, c->n_duties, visit_duty);
        FLAT_TABLE(f, c->scopes, c->n_scopes, visit_scope);
        FLAT_TABLE(f, c->shifts, c->n_shifts, visit_shift);
        FLAT_TABLE(f, c->terms, c->n_terms, visit_term);
        FLAT_TABLE(f, c->channels, c->n_channels, visit_channel);
        FLAT_TABLE(f, c->routes, c->n_routes, visit_route);
        visit_reminders(f, &c->reminders);
        flat_str(f, &c->feeds.dir);
        flat_str(f, &c->feeds.public_url);
        flat_str(f, &c->server.listen);
        flat_str(f, &c->server.public_url);
        flat_str(f, &c->heartbeat.url);
        for (size_t i = 0; i < _TEMPLATE_MAX; i++)
                flat_str(f, &c->templates[i]);
}

/* ---- encoding ----------------------------------------------------------------------------- */

/* The warnings only, field by field: no padding stored. NULL when out of memory. */
static Diag *warnings_of(const Diags *d, size_t *ret_n) {
        Diag *w = calloc(d->n ? d->n : 1, sizeof *w);
        size_t n = 0;
        for (size_t i = 0; w && i < d->n; i++) {
                const Diag *x = &d->items[i];
                if (x->warning) {
                        w[n].file = x->file, w[n].msg = x->msg, w[n].warning = true;
                        w[n].line = x->line, w[n++].column = x->column;
                }
        }
        *ret_n = n;
        return w;
}

static void encode(Flat *f, const Config *c, const Diags *warnings, FlatHeader *h) {
        Config copy = *c;
        visit_config(f, &copy);
        size_t n_w = 0;
        Diag *w = warnings_of(warnings, &n_w);
        void *wp = w; /* flat_items() stores a copy */
        if (!w)
                flat_fail(f, -ENOMEM);
        h->config = out_put(f, &f->leaves, &copy, sizeof copy);
        flat_items(f, &wp, n_w, sizeof(Diag), visit_diag);
        h->warnings = (uintptr_t)wp, h->n_warnings = n_w;
        free(w);
        out_bytes(f, &f->leaves, "", 1); /* the NUL that ends every string */
        out_flush(f, &f->tables);
        out_flush(f, &f->leaves);
        h->size = f->leaves.at;
}

int flat_write(const Config *c, const Diags *warnings, const FlatSink *sink, uint64_t *ret_size) {
        Flat f = {.mode = FLAT_MEASURE, .tables_end = sizeof(FlatHeader)};
        Config copy = *c;
        visit_config(&f, &copy);
        uint64_t leaves_at = align_up(f.tables_end);
        f = (Flat){.mode = FLAT_ENCODE,
                   .sink = sink,
                   .tables = {.at = sizeof(FlatHeader), .buf = malloc(FLAT_OUT_BUFFER)},
                   .leaves = {.at = leaves_at, .buf = malloc(FLAT_OUT_BUFFER)},
                   .share = calloc(FLAT_SHARE_SLOTS, sizeof(FlatShare))};
        FlatHeader h = {.layout = FLAT_LAYOUT};
        memcpy(h.magic, FLAT_MAGIC, sizeof h.magic);
        if (!f.tables.buf || !f.leaves.buf || !f.share)
                flat_fail(&f, -ENOMEM);
        else
                encode(&f, c, warnings, &h);
        if (!f.error && f.tables.at > leaves_at) /* the measure and the tables disagree */
                flat_fail(&f, -EIO);
        int r = f.error ? f.error : sink->write(sink->userdata, 0, &h, sizeof h);
        free(f.tables.buf);
        free(f.leaves.buf);
        free(f.share);
        if (r == 0)
                *ret_size = h.size;
        return r < 0 ? r : 0;
}

typedef struct MemSink {
        char *b;
        size_t n, cap;
} MemSink;

static int mem_write(void *userdata, uint64_t at, const void *p, size_t n) {
        MemSink *m = userdata;
        if (at > SIZE_MAX - n || ARRAY_GROW(m->b, m->cap, at + n) < 0)
                return -ENOMEM;
        if (at > m->n) /* a gap: zeros */
                memset(m->b + m->n, 0, at - m->n);
        memcpy(m->b + at, p, n);
        if (at + n > m->n)
                m->n = at + n;
        return 0;
}

int flat_encode(const Config *c, const Diags *warnings, void **ret, size_t *ret_n) {
        MemSink m = {0};
        uint64_t size = 0;
        int r = flat_write(c, warnings, &(FlatSink){.write = mem_write, .userdata = &m}, &size);
        if (r < 0 || size != m.n) {
                free(m.b);
                return r < 0 ? r : -EIO;
        }
        *ret = m.b;
        *ret_n = m.n;
        return 0;
}

/* ---- decoding ----------------------------------------------------------------------------- */

static bool indices_below(const size_t *v, size_t n, size_t limit) {
        for (size_t i = 0; i < n; i++)
                if (v[i] >= limit)
                        return false;
        return true;
}

static bool rule_in_range(const Rule *r) {
        return r->period < _PERIOD_MAX && r->move <= MOVE_NONE && r->shift_edge <= SHIFT_END;
}

static bool duty_in_range(const Config *c, const Duty *d) {
        for (size_t i = 0; i < d->rule.n_holidays; i++)
                if (!d->rule.holidays[i])
                        return false;
        return d->id && d->title && indices_below(d->posts, d->n_posts, c->n_posts) &&
               d->kind < _KIND_MAX && d->document >= -1 && d->document < (ssize_t)c->n_documents &&
               d->scope <= c->n_scopes && rule_in_range(&d->rule) && d->clock.kind < _CLOCK_MAX;
}

static bool route_in_range(const Config *c, const Route *r) {
        for (size_t k = 0; k < r->n_kinds; k++)
                if (r->kinds[k] >= _KIND_MAX)
                        return false;
        return indices_below(r->duties, r->n_duties, c->n_duties) &&
               indices_below(r->posts, r->n_posts, c->n_posts) &&
               indices_below(r->channels, r->n_channels, c->n_channels);
}

/* Every index stored is one of its array (a damaged block must not lead a lookup astray). */
static bool config_in_range(const Config *c) {
        const Calendar *cal = c->calendar;
        if (!cal)
                return false;
        for (size_t i = 0; i < cal->n_years; i++)
                if (cal->years[i].year < RULE_MIN_YEAR || cal->years[i].year > RULE_MAX_YEAR)
                        return false;
        for (size_t i = 0; i < cal->n_holidays; i++)
                if (!cal->holidays[i].id || !cal->holidays[i].name)
                        return false;
        for (size_t i = 0; i < c->n_documents; i++)
                if (!c->documents[i].id)
                        return false;
        for (size_t i = 0; i < c->n_posts; i++)
                if (!c->posts[i].id ||
                    !indices_below(c->posts[i].escalate_to, c->posts[i].n_escalate_to, c->n_posts))
                        return false;
        for (size_t i = 0; i < c->n_people; i++) {
                const Person *p = &c->people[i];
                if (!p->id)
                        return false;
                for (size_t t = 0; t < p->n_tenures; t++)
                        if (p->tenures[t].post >= c->n_posts)
                                return false;
                if (!indices_below(p->channels, p->n_channels, c->n_channels))
                        return false;
        }
        for (size_t i = 0; i < c->n_duties; i++)
                if (!duty_in_range(c, &c->duties[i]))
                        return false;
        for (size_t i = 0; i < c->n_scopes; i++)
                if (c->scopes[i].season > SEASON_HOLIDAYS)
                        return false;
        for (size_t i = 0; i < c->n_channels; i++)
                if (!c->channels[i].id || c->channels[i].type >= _CHANNEL_MAX)
                        return false;
        for (size_t i = 0; i < c->n_routes; i++)
                if (!route_in_range(c, &c->routes[i]))
                        return false;
        return true;
}

static char **strv_dup(char *const *v, size_t n) {
        char **d = calloc(n ? n : 1, sizeof *d);
        for (size_t i = 0; d && i < n; i++)
                if (!(d[i] = strdup(v[i]))) {
                        while (i > 0)
                                free(d[--i]);
                        free(d);
                        return NULL;
                }
        return d;
}

/* The calendar as calendar_free() frees it: its own blocks and strings (the structs copied as
 * they are, so that a decoded config encodes to the same bytes). */
static Calendar *calendar_dup(const Calendar *src) {
        Calendar *c = calendar_new();
        if (!c)
                return NULL;
        c->years = malloc((src->n_years ? src->n_years : 1) * sizeof *c->years);
        c->holidays = malloc((src->n_holidays ? src->n_holidays : 1) * sizeof *c->holidays);
        if (!c->years || !c->holidays)
                return calendar_free(c);
        memcpy(c->years, src->years, src->n_years * sizeof *c->years);
        memcpy(c->holidays, src->holidays, src->n_holidays * sizeof *c->holidays);
        bool oom = false;
        for (; c->n_years < src->n_years; c->n_years++) {
                CalendarYear *y = &c->years[c->n_years];
                oom = oom || (y->source && !(y->source = strdup(y->source)));
                if (oom)
                        y->source = NULL;
        }
        for (; c->n_holidays < src->n_holidays; c->n_holidays++) {
                Holiday *h = &c->holidays[c->n_holidays];
                char *id = oom ? NULL : strdup(h->id), *name = oom ? NULL : strdup(h->name);
                oom = oom || !id || !name;
                h->id = id;
                h->name = name;
        }
        c->cap_years = c->n_years;
        c->cap_holidays = c->n_holidays;
        return oom ? calendar_free(c) : c;
}

/* What config_free() frees one by one leaves the block: a rule's holiday names. */
static int detach_owned(Config *c) {
        for (size_t i = 0; i < c->n_duties; i++) {
                Rule *r = &c->duties[i].rule;
                if (!r->holidays)
                        continue;
                char **copy = strv_dup(r->holidays, r->n_holidays);
                if (!copy) {
                        for (size_t j = i; j < c->n_duties; j++) {
                                c->duties[j].rule.holidays = NULL;
                                c->duties[j].rule.n_holidays = 0;
                        }
                        return -ENOMEM;
                }
                r->holidays = copy;
        }
        return 0;
}

static const FlatHeader *header_check(const void *buf, size_t n) {
        const FlatHeader *h = buf;
        if (n < sizeof *h || memcmp(h->magic, FLAT_MAGIC, sizeof h->magic) != 0 ||
            h->layout != FLAT_LAYOUT || h->size != n || ((const char *)buf)[n - 1] != 0)
                return NULL;
        return h;
}

int flat_decode(void *buf, size_t n, Config **ret, Diags *warnings) {
        const FlatHeader *h = header_check(buf, n);
        if (!h) {
                free(buf);
                return -EBADMSG;
        }
        Flat f = {.mode = FLAT_DECODE, .b = buf, .n = n};
        void *wp = (void *)(uintptr_t)h->warnings;
        size_t n_w = h->n_warnings;
        Config *in = flat_at(&f, (void *)(uintptr_t)h->config, sizeof *in);
        if (in)
                visit_config(&f, in);
        flat_items(&f, &wp, n_w, sizeof(Diag), visit_diag);
        if (!in || f.error || !config_in_range(in)) {
                free(buf);
                return f.error == -ENOMEM ? -ENOMEM : -EBADMSG;
        }
        Config *c = malloc(sizeof *c);
        if (!c) {
                free(buf);
                return -ENOMEM;
        }
        *c = *in;
        c->flat = buf;
        const Calendar *cal = c->calendar;
        c->calendar = NULL;
        if (detach_owned(c) < 0 || !(c->pool = pool_new()) || !(c->calendar = calendar_dup(cal)) ||
            config_index_holders(c) < 0) {
                config_free(c);
                return -ENOMEM;
        }
        const Diag *w = wp;
        for (size_t i = 0; i < n_w; i++)
                diags_add_text(warnings, true, w[i].file, w[i].line, w[i].column, w[i].msg);
        *ret = c;
        return 0;
}
