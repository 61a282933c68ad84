/* feeds.c — see feeds.h. */
#include "feeds.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hashmap.h"
#include "tz.h"
#include "util.h"

#define CHUNK_TARGET 65536 /* occurrences planned at once by the organisation-wide feeds */
#define CANCEL_EVERY 64    /* events between two looks at the cancel flag */

/* ---- the index ---- */

struct FeedIndex {
        uint32_t *post_off;    /* n_posts + 1 offsets into post_duty */
        uint32_t *post_duty;   /* each post's duties, in duty order */
        HashMap posts, people; /* id (the Config's) → index */
};

/* Id → index maps of the posts and the people. */
static int index_ids(FeedIndex *x, const Config *c) {
        for (size_t p = 0; p < c->n_posts; p++)
                if (hashmap_put_str(&x->posts, c->posts[p].id, p) == -ENOMEM)
                        return -ENOMEM;
        for (size_t p = 0; p < c->n_people; p++)
                if (hashmap_put_str(&x->people, c->people[p].id, p) == -ENOMEM)
                        return -ENOMEM;
        return 0;
}

int feed_index_new(const Config *c, FeedIndex **ret) {
        FeedIndex *x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        size_t n_assign = 0;
        for (size_t d = 0; d < c->n_duties; d++)
                n_assign += c->duties[d].n_posts;
        x->post_off = calloc(c->n_posts + 1, sizeof(uint32_t));
        x->post_duty = calloc(n_assign ? n_assign : 1, sizeof(uint32_t));
        if (!x->post_off || !x->post_duty || n_assign > UINT32_MAX || index_ids(x, c) < 0) {
                feed_index_free(x);
                return -ENOMEM;
        }
        /* Counting sort of (post, duty) pairs by post: duties stay in config order. */
        for (size_t d = 0; d < c->n_duties; d++)
                for (size_t i = 0; i < c->duties[d].n_posts; i++)
                        x->post_off[c->duties[d].posts[i] + 1]++;
        for (size_t p = 0; p < c->n_posts; p++)
                x->post_off[p + 1] += x->post_off[p];
        uint32_t *fill = calloc(c->n_posts ? c->n_posts : 1, sizeof(uint32_t));
        if (!fill) {
                feed_index_free(x);
                return -ENOMEM;
        }
        for (size_t d = 0; d < c->n_duties; d++)
                for (size_t i = 0; i < c->duties[d].n_posts; i++) {
                        size_t p = c->duties[d].posts[i];
                        x->post_duty[x->post_off[p] + fill[p]++] = (uint32_t)d;
                }
        free(fill);
        *ret = x;
        return 0;
}

FeedIndex *feed_index_free(FeedIndex *x) {
        if (!x)
                return NULL;
        free(x->post_off);
        free(x->post_duty);
        hashmap_done(&x->posts);
        hashmap_done(&x->people);
        free(x);
        return NULL;
}

/* The index of `id` in `m`, -1 when none. */
static ssize_t find_id(const HashMap *m, const char *id) {
        size_t i;
        return hashmap_get_str(m, id, &i) ? (ssize_t)i : -1;
}

/* ---- the catalogue ---- */

static bool org_feed_on(const Config *c, FeedKind k) {
        /* feeds.org: false (obsolete) still means "no organisation-wide feed". */
        return c->feeds.org && (k == FEED_OVERDUE ? c->feeds.overdue : c->feeds.summary);
}

size_t feeds_count(const Config *c) {
        return org_feed_on(c, FEED_OVERDUE) + org_feed_on(c, FEED_SUMMARY) + c->n_posts +
               c->n_people;
}

FeedRef feeds_nth(const Config *c, size_t i) {
        for (FeedKind k = FEED_OVERDUE; k <= FEED_SUMMARY; k++)
                if (org_feed_on(c, k) && i-- == 0)
                        return (FeedRef){k, 0};
        if (i < c->n_posts)
                return (FeedRef){FEED_POST, i};
        return (FeedRef){FEED_PERSON, i - c->n_posts};
}

void feeds_name(const Config *c, FeedRef f, char out[static FEED_NAME_MAX]) {
        switch (f.kind) {
        case FEED_OVERDUE: snprintf(out, FEED_NAME_MAX, "overdue"); break;
        case FEED_SUMMARY: snprintf(out, FEED_NAME_MAX, "summary"); break;
        case FEED_POST: snprintf(out, FEED_NAME_MAX, "post-%s", c->posts[f.index].id); break;
        case FEED_PERSON: snprintf(out, FEED_NAME_MAX, "person-%s", c->people[f.index].id); break;
        }
}

char *feeds_title(const Config *c, FeedRef f) {
        const char *who = f.kind == FEED_OVERDUE   ? "逾期未完成"
                          : f.kind == FEED_SUMMARY ? "完成情况汇总"
                          : f.kind == FEED_POST    ? c->posts[f.index].name
                                                   : c->people[f.index].name;
        return strfmt("%s安全生产履职日历·%s", c->org_name, who);
}

int feeds_find(const Config *c, const FeedIndex *x, const char *name, FeedRef *ret) {
        ssize_t i = -1;
        if (streq(name, "overdue") || streq(name, "summary")) {
                FeedKind k = streq(name, "overdue") ? FEED_OVERDUE : FEED_SUMMARY;
                if (!org_feed_on(c, k))
                        return -ENOENT;
                *ret = (FeedRef){k, 0};
                return 0;
        }
        if (strncmp(name, "post-", 5) == 0) {
                i = x ? find_id(&x->posts, name + 5) : config_find_post(c, name + 5);
                *ret = (FeedRef){FEED_POST, (size_t)i};
        } else if (strncmp(name, "person-", 7) == 0) {
                i = x ? find_id(&x->people, name + 7) : config_find_person(c, name + 7);
                *ret = (FeedRef){FEED_PERSON, (size_t)i};
        }
        return i >= 0 ? 0 : -ENOENT;
}

void feeds_etag(const FeedInputs *in, const char *name, Day today, char out[static FEED_ETAG_LEN]) {
        const FeedsConfig *f = &in->config->feeds;
        char text[FEED_NAME_MAX + 256];
        int n = snprintf(
                text, sizeof(text),
                "dutyd-feed-v2\n%s\n%d\n%" PRId64 "\n%" PRId64 "\n%d %d %d %d %d %d %d\n%s", name,
                (int)today, in->generation.generation, in->completions.version, f->past_days,
                f->future_days, f->refresh_minutes, f->max_events, f->overdue, f->summary, f->org,
                in->config->timezone ? in->config->timezone : "");
        if (n < 0 || (size_t)n >= sizeof(text)) /* a zone name past all reason: cut, still hashed */
                n = (int)sizeof(text) - 1;
        unsigned char h[32];
        unsigned int hl = sizeof(h);
        if (EVP_Digest(text, (size_t)n, h, &hl, EVP_sha256(), NULL) != 1)
                memset(h, 0, sizeof(h)); /* cannot fail for SHA-256 short of a broken libcrypto */
        static const char hex[] = "0123456789abcdef";
        out[0] = '"';
        for (int i = 0; i < 32; i++) {
                out[1 + 2 * i] = hex[h[i] >> 4];
                out[2 + 2 * i] = hex[h[i] & 15];
        }
        out[65] = '"';
        out[66] = 0;
}

/* ---- choosing a feed's events ---- */

typedef struct Member {
        uint32_t post;
        int32_t person;
} Member;

/* One event to be: an occurrence, or a summary group (`o` one of its members). */
typedef struct Item {
        Occurrence o;
        FeedStatus st;
        int members, met, overdue;
        uint8_t n_unmet;
        Member unmet[ICAL_UNMET_LISTED];
} Item;

typedef struct Collector {
        const FeedInputs *in;
        const Config *c;
        FeedRef f;
        Day today, from, to;
        size_t cap;
        Item *items;
        size_t n, alloc;
        size_t total; /* events the window holds (at least that many when `partial`) */
        bool partial; /* stopped before the whole window was looked at */
        const atomic_int *cancel;
        OccurrenceList list; /* scratch: planned occurrences */
} Collector;

static Day distance(Day today, Day d) {
        return d >= today ? d - today : today - d;
}

/* Nearest to today first; an upcoming one before a past one as near; then date order. */
static int cmp_near(const void *a, const void *b, void *arg) {
        const Item *x = a, *y = b;
        Day today = *(const Day *)arg;
        Day dx = distance(today, x->o.due), dy = distance(today, y->o.due);
        if (dx != dy)
                return dx < dy ? -1 : 1;
        if ((x->o.due < today) != (y->o.due < today))
                return x->o.due < today ? 1 : -1;
        return occurrence_compare(&x->o, &y->o);
}

static int cmp_date(const void *a, const void *b) {
        return occurrence_compare(&((const Item *)a)->o, &((const Item *)b)->o);
}

/* Keeps the `cap` nearest (sorted by nearness). Any item dropped here is farther than `cap`
 * kept ones, so it could never be among the nearest of the whole window. */
static void keep_nearest(Collector *k) {
        qsort_r(k->items, k->n, sizeof(Item), cmp_near, &k->today);
        if (k->n > k->cap)
                k->n = k->cap;
}

/* Holds at most 2 × cap items: then only the nearest cap are kept. */
static int push(Collector *k, const Item *it) {
        k->total++;
        if (k->n >= 2 * k->cap)
                keep_nearest(k);
        if (ARRAY_GROW(k->items, k->alloc, k->n + 1) < 0)
                return -ENOMEM;
        k->items[k->n++] = *it;
        return 0;
}

static FeedStatus status_of(const Collector *k, const Occurrence *o) {
        OccStatus s;
        ledger_status(k->in->ledger, k->c, o, k->today, &s);
        return (FeedStatus){.done = s.done,
                            .required = s.required,
                            .met = s.met,
                            .overdue = s.overdue,
                            .done_on = s.met_on};
}

static bool holds_on_due(const Config *c, const Occurrence *o, size_t person) {
        size_t h[MAX_POST_HOLDERS];
        size_t nh = occurrence_holders(c, o, o->due, h, ELEMENTSOF(h));
        for (size_t i = 0; i < nh; i++)
                if (h[i] == person)
                        return true;
        return false;
}

/* The occurrences of one post's duties (a person's feed: those the person holds). */
static int collect_post(Collector *k, size_t post, ssize_t person) {
        const FeedIndex *x = k->in->index;
        for (uint32_t i = x->post_off[post]; i < x->post_off[post + 1]; i++) {
                size_t duty = x->post_duty[i];
                bool own = k->c->duties[duty].per_holder && person >= 0;
                k->list.n = 0;
                int r = schedule_plan_assignment(k->c, duty, post, own ? person : -1, k->from,
                                                 k->to, &k->list);
                for (size_t j = 0; r == 0 && j < k->list.n; j++) {
                        const Occurrence *o = &k->list.items[j];
                        if (person >= 0 && !holds_on_due(k->c, o, (size_t)person))
                                continue;
                        r = push(k, &(Item){.o = *o, .st = status_of(k, o)});
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int collect_person(Collector *k, size_t person) {
        const Person *p = &k->c->people[person];
        for (size_t t = 0; t < p->n_tenures; t++) {
                bool seen = false; /* two tenures of one post: its duties once */
                for (size_t u = 0; u < t; u++)
                        seen |= p->tenures[u].post == p->tenures[t].post;
                int r = seen ? 0 : collect_post(k, p->tenures[t].post, (ssize_t)person);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int cmp_group(const void *a, const void *b) {
        const Occurrence *x = a, *y = b;
#define CMP(f)            \
        if (x->f != y->f) \
        return x->f < y->f ? -1 : 1
        CMP(period_start);
        CMP(checkpoint);
        CMP(post);
        CMP(person);
#undef CMP
        return 0;
}

/* One summary group: occurrences [i, j) of one duty, period and checkpoint. */
static int push_group(Collector *k, const Occurrence *g, size_t n) {
        Item it = {.o = g[0], .members = (int)n};
        for (size_t m = 0; m < n; m++) {
                FeedStatus s = status_of(k, &g[m]);
                if (s.met) {
                        it.met++;
                        continue;
                }
                it.overdue += k->today > g[m].due;
                if (it.n_unmet < ICAL_UNMET_LISTED)
                        it.unmet[it.n_unmet++] = (Member){g[m].post, g[m].person};
        }
        return push(k, &it);
}

/* A planned chunk (sorted by date, then duty) into events: overdue occurrences, or groups. */
static int take_chunk(Collector *k) {
        Occurrence *o = k->list.items;
        size_t n = k->list.n;
        int r = 0;
        if (k->f.kind == FEED_OVERDUE) {
                for (size_t i = 0; i < n && r == 0; i++) {
                        FeedStatus s = status_of(k, &o[i]);
                        if (!s.met && k->today > o[i].due)
                                r = push(k, &(Item){.o = o[i], .st = s});
                }
                return r;
        }
        for (size_t i = 0; i < n && r == 0;) {
                size_t j = i;
                while (j < n && o[j].due == o[i].due && o[j].duty == o[i].duty)
                        j++;
                /* Usually one group; two checkpoints or periods of a duty due the same day are
                 * told apart. */
                qsort(o + i, j - i, sizeof(Occurrence), cmp_group);
                for (size_t a = i; a < j && r == 0;) {
                        size_t b = a;
                        while (b < j && o[b].period_start == o[a].period_start &&
                               o[b].checkpoint == o[a].checkpoint)
                                b++;
                        r = push_group(k, o + a, b - a);
                        a = b;
                }
                i = j;
        }
        return r;
}

static Day farthest(const Collector *k) {
        Day m = 0;
        for (size_t i = 0; i < k->n; i++)
                if (distance(k->today, k->items[i].o.due) > m)
                        m = distance(k->today, k->items[i].o.due);
        return m;
}

/* The organisation-wide feeds: chunks of days planned outward from today (the side whose next
 * day is nearer first), each sized to hold about CHUNK_TARGET occurrences, until the nearest
 * `cap` events are known. */
static int collect_org(Collector *k) {
        bool overdue = k->f.kind == FEED_OVERDUE;
        Day last = overdue ? k->today - 1 : k->to; /* the overdue feed looks back only */
        Day fwd = k->today, bwd = k->today - 1;    /* the next days not planned yet */
        Day span = 8;
        for (;;) {
                if (k->cancel && atomic_load(k->cancel))
                        return -ECANCELED;
                Day da = fwd <= last ? fwd - k->today : DAY_MAX;
                Day db = bwd >= k->from ? k->today - bwd : DAY_MAX;
                if (da == DAY_MAX && db == DAY_MAX)
                        return 0;
                if (k->n > k->cap)
                        keep_nearest(k);
                if (k->n >= k->cap && farthest(k) < (da < db ? da : db)) {
                        k->partial = true; /* the rest is farther: no need to plan it */
                        return 0;
                }
                bool ahead = da <= db;
                Day a = ahead ? fwd : (bwd - span + 1 > k->from ? bwd - span + 1 : k->from);
                Day b = ahead ? (fwd + span - 1 < last ? fwd + span - 1 : last) : bwd;
                k->list.n = 0;
                int r = schedule_plan(k->c, a, b, PLAN_FILTER_ALL, &k->list);
                if (r == 0)
                        r = take_chunk(k);
                if (r < 0)
                        return r;
                if (ahead)
                        fwd = b + 1;
                else
                        bwd = a - 1;
                /* The next chunk: about CHUNK_TARGET occurrences at this one's density. */
                size_t days = (size_t)(b - a) + 1, want = CHUNK_TARGET / (k->list.n / days + 1);
                span = want < 1 ? 1 : want > 2 * days ? (Day)(2 * days) : (Day)want;
        }
}

/* ---- versions (ical.h: "Versions") ---- */

typedef struct RowCache {
        bool loaded;
        int64_t rev, stamp;
} RowCache;

/* The rows one feed reads, each once: the organisation's, the years', and (direct-mapped) the
 * assignments' — a feed's events come from few of them. */
typedef struct Versions {
        FeedVersionReader *vr;
        const Config *c;
        Day today;
        int year0;
        RowCache cal[2 * FEEDVERSION_YEARS + 1], org;
        struct {
                RowCache row;
                uint32_t duty, post;
                int32_t person;
        } assignment[64];
} Versions;

static void add_counter(IcalVersion *v, int64_t n, int64_t stamp) {
        v->sequence += n;
        if (stamp > v->stamp)
                v->stamp = stamp;
}

static int add_row(Versions *vs, const char *key, IcalVersion *v) {
        int64_t rev, stamp;
        int r = feedversion_row(vs->vr, key, &rev, &stamp);
        if (r == 0)
                add_counter(v, rev, stamp);
        return r;
}

static int add_cached_row(Versions *vs, int year, IcalVersion *v) {
        RowCache *slot = &vs->org;
        char key[24] = "org";
        if (year != 0) {
                int i = year - vs->year0;
                if (i < 0 || i >= (int)ELEMENTSOF(vs->cal))
                        return 0; /* no row so far from today: counts 0 */
                slot = &vs->cal[i];
                snprintf(key, sizeof(key), "cal:%d", year);
        }
        if (!slot->loaded) {
                int r = feedversion_row(vs->vr, key, &slot->rev, &slot->stamp);
                if (r < 0)
                        return r;
                slot->loaded = true;
        }
        add_counter(v, slot->rev, slot->stamp);
        return 0;
}

/* R(org) + R(cal) of the years from the earliest alarm to the latest of the dates, + P. */
static int add_common(Versions *vs, const Occurrence *o, Day earliest, IcalVersion *v) {
        int r = add_cached_row(vs, 0, v);
        Day lo = o->due < o->nominal ? o->due : o->nominal;
        Day hi = o->due > o->nominal ? o->due : o->nominal;
        if (earliest < lo)
                lo = earliest;
        for (int y = day_to_ymd(lo).y; r == 0 && y <= day_to_ymd(hi).y; y++)
                r = add_cached_row(vs, y, v);
        if (vs->today > o->due)
                add_counter(v, 1, (int64_t)tz_instant(o->due + 1, 0));
        return r;
}

static int version_of(Versions *vs, const Item *it, bool summary, IcalVersion *v) {
        const Config *c = vs->c;
        const Occurrence *o = &it->o;
        const Duty *d = &c->duties[o->duty];
        char period[128], key[OCCURRENCE_ID_MAX + 8];
        occurrence_period_id(c, o, period, sizeof(period));
        *v = (IcalVersion){0};
        Day earliest =
                o->due - (!summary && d->reminders.n_before > 0 ? d->reminders.before[0] : 0);
        int r = add_common(vs, o, earliest, v);
        const char *person = o->person >= 0 ? c->people[o->person].id : "";
        if (summary)
                snprintf(key, sizeof(key), "d:%s", d->id);
        else
                snprintf(key, sizeof(key), "a:%s:%s%s%s", d->id, c->posts[o->post].id,
                         o->person >= 0 ? "." : "", person);
        if (r == 0 && summary)
                r = add_row(vs, key, v);
        else if (r == 0) {
                __typeof__(vs->assignment[0]) *a =
                        &vs->assignment[(o->duty * 31 + o->post * 7 + (uint32_t)o->person) % 64];
                if (!a->row.loaded || a->duty != o->duty || a->post != o->post ||
                    a->person != o->person) {
                        a->duty = o->duty, a->post = o->post, a->person = o->person;
                        r = feedversion_row(vs->vr, key, &a->row.rev, &a->row.stamp);
                        a->row.loaded = r == 0;
                }
                if (r == 0)
                        add_counter(v, a->row.rev, a->row.stamp);
        }
        int64_t n, stamp;
        if (r == 0)
                r = feedversion_period(vs->vr, d->id, summary ? NULL : c->posts[o->post].id, person,
                                       period, &n, &stamp);
        if (r == 0)
                add_counter(v, n, stamp);
        return r;
}

/* ---- rendering ---- */

static char *truncation_note(const Collector *k) {
        if (k->total <= k->n || k->n == 0)
                return NULL;
        const FeedsConfig *f = &k->c->feeds;
        char a[11], b[11];
        day_format(k->items[0].o.due, a);
        day_format(k->items[k->n - 1].o.due, b);
        _cleanup_free_ char *scope =
                k->f.kind == FEED_OVERDUE
                        ? strfmt("截止日期在过去 %d 天内、已逾期未完成的", f->past_days)
                        : strfmt("截止日期在 %d 天前至 %d 天后之间的", f->past_days,
                                 f->future_days);
        if (!scope)
                return NULL;
        return strfmt("本日历最多列出 %zu 项：%s%s %zu 项，这里只列出离今天最近的 %zu 项"
                      "（截止日期 %s 至 %s）。完整清单请用 dutyctl upcoming 查看。",
                      k->cap, scope, k->partial ? "至少" : "共", k->total, k->n, a, b);
}

static int render_items(Collector *k, Versions *vs, IcalRenderer *rd, Buf *out) {
        const Config *c = k->c;
        _cleanup_free_ char *title = feeds_title(c, k->f);
        _cleanup_free_ char *note = truncation_note(k);
        char *head = NULL;
        size_t head_len;
        int r = title ? ical_render_head(c, title, note, &head, &head_len) : -ENOMEM;
        if (r < 0)
                return r;
        buf_put(out, head, head_len);
        free(head);
        IcalRenderer *own = NULL;
        IcalEvent ev = {0};
        bool summary = k->f.kind == FEED_SUMMARY;
        if (!rd && (r = ical_renderer_new(c, &own)) == 0)
                rd = own;
        for (size_t i = 0; r == 0 && i < k->n; i++) {
                if (i % CANCEL_EVERY == 0 && k->cancel && atomic_load(k->cancel)) {
                        r = -ECANCELED;
                        break;
                }
                const Item *it = &k->items[i];
                IcalVersion v;
                if ((r = version_of(vs, it, summary, &v)) < 0)
                        break;
                if (summary) {
                        Occurrence unmet[ICAL_UNMET_LISTED];
                        for (size_t u = 0; u < it->n_unmet; u++) {
                                unmet[u] = it->o;
                                unmet[u].post = it->unmet[u].post;
                                unmet[u].person = it->unmet[u].person;
                        }
                        IcalGroup g = {&it->o,      it->members, it->met,
                                       it->overdue, unmet,       it->n_unmet};
                        r = ical_event_summary(c, &g, v, &ev);
                } else
                        r = ical_event_occurrence(c, &it->o, &it->st, NULL, 0, v, &ev);
                if (r == 0)
                        r = ical_renderer_event(rd, &ev, out);
        }
        ical_event_done(&ev);
        ical_renderer_free(own);
        buf_puts(out, ICAL_CALENDAR_END);
        return r < 0 ? r : out->oom ? -ENOMEM : 0;
}

int feeds_render(const FeedInputs *in, FeedVersionReader *vr, IcalRenderer *rd, FeedRef f,
                 Day today, const atomic_int *cancel, Buf *out, FeedRenderStats *ret) {
        const Config *c = in->config;
        Collector k = {.in = in,
                       .c = c,
                       .f = f,
                       .today = today,
                       .from = today - (c->feeds.past_days >= 0 ? c->feeds.past_days : 31),
                       .to = today + (c->feeds.future_days > 0 ? c->feeds.future_days
                                                               : DEFAULT_FEEDS_FUTURE_DAYS),
                       .cap = c->feeds.max_events > 0 ? (size_t)c->feeds.max_events
                                                      : DEFAULT_FEEDS_MAX_EVENTS,
                       .cancel = cancel};
        int r = f.kind == FEED_POST     ? collect_post(&k, f.index, -1)
                : f.kind == FEED_PERSON ? collect_person(&k, f.index)
                                        : collect_org(&k);
        occurrence_list_done(&k.list);
        if (r == 0) {
                if (k.n > k.cap)
                        keep_nearest(&k);
                if (k.n > 1) /* an empty feed has no items array: qsort(NULL) is undefined */
                        qsort(k.items, k.n, sizeof(Item), cmp_date);
                Versions vs = {.vr = vr,
                               .c = c,
                               .today = today,
                               .year0 = day_to_ymd(today).y - FEEDVERSION_YEARS};
                r = render_items(&k, &vs, rd, out);
        }
        if (r == 0 && ret)
                *ret = (FeedRenderStats){k.n, k.total};
        free(k.items);
        return r;
}
