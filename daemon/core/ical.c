/* ical.c — see ical.h. */
#include "ical.h"

#include <errno.h>
#include <libical/ical.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

#define ORGANIZER_ADDRESS "mailto:noreply@dutyd.invalid"
#define PRODID "-//dutyd//dutyd 1.0//ZH"
#define DESCRIPTION_PREFIX "DESCRIPTION:"

static void sha256(const void *data, size_t n, unsigned char out[static 32]) {
        unsigned int len = 32;
        if (EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) != 1)
                memset(out, 0, 32); /* cannot fail for SHA-256 short of a broken libcrypto */
}

char *ical_clean_text(const char *s) {
        Buf b = {0};
        const unsigned char *p = (const unsigned char *)(s ? s : "");
        size_t n = strlen((const char *)p);
        while (n > 0) {
                uint32_t cp;
                size_t l = utf8_decode(p, n, &cp);
                if (l == 0) {
                        buf_puts(&b, "\xEF\xBF\xBD"); /* U+FFFD */
                        p++, n--;
                        continue;
                }
                if (cp == '\t' || cp == 0x2028 || cp == 0x2029) /* tab, line/paragraph sep. */
                        buf_put(&b, " ", 1);
                else if (cp == '\n')
                        buf_put(&b, "\n", 1);
                else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
                        ; /* control character: dropped */
                else
                        buf_put(&b, (const char *)p, l);
                p += l, n -= l;
        }
        return buf_steal(&b);
}

/* THE one place where text becomes a property. libical 3.0.16 escapes TEXT (\\ \; \, \n) in
 * SUMMARY, DESCRIPTION, NAME …, but (fixed only in 3.0.17) neither `,` nor `;` in X-
 * properties and CATEGORIES, while it does escape `\` there — so a pre-escaped "\," would come
 * out as "\\,". It also passes control characters through. Therefore: every text is cleaned
 * (ical_clean_text), and in X-* and CATEGORIES values the ASCII `,` and `;` become the
 * full-width `，` and `；` (ordinary TEXT characters, natural in Chinese text), so those values
 * need no escaping at all and re-parse as one intact value everywhere. */
static icalproperty *text_prop(icalproperty_kind kind, const char *x_name, const char *text) {
        _cleanup_free_ char *clean = ical_clean_text(text);
        if (!clean)
                return NULL;
        const char *value = clean;
        _cleanup_free_ char *safe = NULL;
        if (kind == ICAL_X_PROPERTY || kind == ICAL_CATEGORIES_PROPERTY) {
                Buf b = {0};
                for (const char *q = clean; *q; q++) {
                        if (*q == ',')
                                buf_puts(&b, "，");
                        else if (*q == ';')
                                buf_puts(&b, "；");
                        else if (*q == '\n' && kind == ICAL_CATEGORIES_PROPERTY)
                                buf_puts(&b, " ");
                        else
                                buf_put(&b, q, 1);
                }
                safe = buf_steal(&b);
                if (!safe)
                        return NULL;
                value = safe;
        }
        icalproperty *p;
        switch (kind) {
        case ICAL_SUMMARY_PROPERTY: return icalproperty_new_summary(value);
        case ICAL_DESCRIPTION_PROPERTY: return icalproperty_new_description(value);
        case ICAL_NAME_PROPERTY: return icalproperty_new_name(value);
        case ICAL_CATEGORIES_PROPERTY: return icalproperty_new_categories(value);
        case ICAL_X_PROPERTY:
                p = icalproperty_new_x(value);
                if (p)
                        icalproperty_set_x_name(p, x_name);
                return p;
        default: return NULL;
        }
}

/* Adds a property; a NULL (allocation failure) is remembered in *ok. */
static void add(icalcomponent *comp, icalproperty *p, bool *ok) {
        if (!p) {
                *ok = false;
                return;
        }
        icalcomponent_add_property(comp, p);
}

static struct icaltimetype date_value(Day day) {
        struct icaltimetype t = icaltime_null_date();
        Ymd ymd = day_to_ymd(day);
        t.year = ymd.y, t.month = ymd.m, t.day = ymd.d;
        return t;
}

static struct icaltimetype utc_value(int64_t t) {
        return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

/* ---- UIDs ---- */

/* UUID form (version 8, RFC 9562) of SHA-256(`ns` + `id`). */
static void uuid_of(const char *ns, const char *id, char out[static ICAL_UID_MAX]) {
        char in[OCCURRENCE_ID_MAX + 64];
        unsigned char h[32];
        int n = snprintf(in, sizeof(in), "%s\n%s", ns, id);
        sha256(in, (size_t)n, h);
        h[6] = (unsigned char)((h[6] & 0x0F) | 0x80); /* version 8: custom (RFC 9562) */
        h[8] = (unsigned char)((h[8] & 0x3F) | 0x80); /* variant 10 */
        static const char hex[] = "0123456789abcdef";
        char *q = out;
        for (int i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        *q++ = '-';
                *q++ = hex[h[i] >> 4];
                *q++ = hex[h[i] & 15];
        }
        *q = 0;
}

void ical_occurrence_uid(const Config *c, const Occurrence *o, char out[static ICAL_UID_MAX]) {
        char id[OCCURRENCE_ID_MAX];
        occurrence_id(c, o, id, sizeof(id));
        uuid_of("dutyd-occurrence-v1", id, out);
}

/* A summary event: one per duty, period and checkpoint. */
static void summary_uid(const Config *c, const Occurrence *o, char out[static ICAL_UID_MAX]) {
        char period[128], id[OCCURRENCE_ID_MAX];
        occurrence_period_id(c, o, period, sizeof(period));
        snprintf(id, sizeof(id), "%s:%s:%u", c->duties[o->duty].id, period, o->checkpoint);
        uuid_of("dutyd-summary-v1", id, out);
}

/* ---- texts ---- */

static void event_reset(IcalEvent *ev) {
        ev->text.len = 0;
        ev->text.oom = false;
        if (ev->text.data)
                ev->text.data[0] = 0;
        ev->at[0] = 0;
        ev->n_pieces = 0;
        ev->n_alarms = 0;
        memset(ev->duty_piece, 0, sizeof(ev->duty_piece));
}

/* An event of occurrence `o` (any member of a summary group) of duty `d`. */
static void event_start(IcalEvent *ev, const Occurrence *o, const Duty *d, IcalVersion v) {
        event_reset(ev);
        ev->due = o->due;
        ev->kind = d->kind;
        ev->version = v;
        ev->duty = o->duty;
}

/* Ends the current text and starts the next description piece. */
static void piece(IcalEvent *ev) {
        buf_put(&ev->text, "", 1);
        if (ev->n_pieces < ICAL_PIECES_MAX)
                ev->at[++ev->n_pieces] = ev->text.len;
        else
                ev->text.oom = true; /* a programming error: reported as a failure */
}

static void put_day(Buf *b, Day d) {
        char s[11];
        day_format(d, s);
        buf_puts(b, s);
}

/* "镇党委书记" or, for a per-holder duty, "班子成员（张三）". */
static void put_post(Buf *b, const Config *c, const Occurrence *o) {
        buf_puts(b, c->posts[o->post].name);
        if (o->person >= 0 && (size_t)o->person < c->n_people)
                buf_printf(b, "（%s）", c->people[o->person].name);
}

static void put_checkpoint(Buf *b, const Occurrence *o) {
        if (o->of > 1)
                buf_printf(b, " 第%u/%u次", (unsigned)o->checkpoint, (unsigned)o->of);
}

/* The pieces that are the duty's own: what it is (always the first), its basis, its note. */
static void text_what(Buf *b, const Duty *d) {
        buf_printf(b, "事项：%s（%s）", d->title, duty_kind_to_zh(d->kind));
}

static void text_basis(Buf *b, const Config *c, const Duty *d) {
        buf_puts(b, "\n依据：");
        if (d->document >= 0 && (size_t)d->document < c->n_documents) {
                const Document *doc = &c->documents[d->document];
                buf_printf(b, "《%s》", doc->title);
                if (doc->number)
                        buf_printf(b, "（%s）", doc->number);
        }
        if (d->clause)
                buf_printf(b, "%s%s", d->document >= 0 ? " " : "", d->clause);
}

static void text_note(Buf *b, const Duty *d) {
        buf_printf(b, "\n备注：%s", d->note);
}

/* A piece made by the renderer from the duty (see IcalEvent.duty_piece). */
static void duty_piece(IcalEvent *ev, char kind) {
        piece(ev);
        ev->duty_piece[ev->n_pieces] = kind;
}

/* Period (with the checkpoint) and deadline. */
static void put_period(IcalEvent *ev, const Config *c, const Occurrence *o) {
        char period[128];
        occurrence_period_id(c, o, period, sizeof(period));
        piece(ev);
        Buf *b = &ev->text;
        buf_printf(b, "\n周期：%s（", period);
        if (o->holiday >= 0 && c->calendar && (size_t)o->holiday < c->calendar->n_holidays)
                buf_printf(b, "%s前", c->calendar->holidays[o->holiday].name);
        else {
                put_day(b, o->period_start);
                buf_puts(b, " 至 ");
                put_day(b, o->period_end);
        }
        buf_puts(b, "）");
        if (o->of > 1)
                buf_printf(b, "，第%u/%u次", (unsigned)o->checkpoint, (unsigned)o->of);
        piece(ev);
        buf_puts(b, "\n截止：");
        put_day(b, o->due);
        if (o->due != o->nominal) {
                buf_puts(b, "（原定 ");
                put_day(b, o->nominal);
                buf_puts(b, "，逢节假日调整）");
        }
}

static int event_finish(IcalEvent *ev) {
        return ev->text.oom ? -ENOMEM : 0;
}

/* Alarms: the reminder days the engine computes (non-working days already moved), at the
 * reminder time, relative to the all-day start. */
static void put_alarms(IcalEvent *ev, const Config *c, const Occurrence *o) {
        Reminder rem[32];
        size_t nr = schedule_reminders(c, o, o->due - 400, o->due, rem, ELEMENTSOF(rem));
        for (size_t i = 0; i < nr && ev->n_alarms < ELEMENTSOF(ev->alarms); i++) {
                if (rem[i].kind != REMIND_UPCOMING && rem[i].kind != REMIND_DUE_TODAY)
                        continue;
                IcalAlarm *a = &ev->alarms[ev->n_alarms++];
                a->trigger = (int64_t)(rem[i].day - o->due) * 86400 + (int64_t)rem[i].minute * 60;
                a->days_left = o->due - rem[i].day;
        }
}

int ical_event_occurrence(const Config *c, const Occurrence *o, const FeedStatus *st,
                          const size_t *holders_in, size_t n_holders, IcalVersion v,
                          IcalEvent *ev) {
        static const FeedStatus none = {0};
        if (!st)
                st = &none;
        const Duty *d = &c->duties[o->duty];
        int required = st->required > 0 ? st->required : (o->required > 0 ? o->required : 1);
        bool met = st->met, overdue = st->overdue && !st->met;
        event_start(ev, o, d, v);
        ical_occurrence_uid(c, o, ev->uid);

        /* SUMMARY: ✓/【逾期】 + post·duty + 第i/N次 */
        Buf *b = &ev->text;
        buf_puts(b, met ? "✓ " : overdue ? "【逾期】" : "");
        put_post(b, c, o);
        buf_printf(b, "·%s", d->title);
        put_checkpoint(b, o);

        /* DESCRIPTION: what, who, basis, period, deadline, progress, note. */
        duty_piece(ev, 'W');
        size_t hbuf[MAX_POST_HOLDERS];
        const size_t *holders = holders_in;
        size_t nh = n_holders;
        if (!holders) {
                nh = occurrence_holders(c, o, o->due, hbuf, ELEMENTSOF(hbuf));
                holders = hbuf;
        }
        piece(ev);
        buf_puts(b, "\n责任人：");
        for (size_t i = 0; i < nh; i++)
                buf_printf(b, "%s%s", i == 0 ? "" : "、", c->people[holders[i]].name);
        buf_printf(b, "%s%s）", nh ? "（" : "暂无在岗人员（", c->posts[o->post].name);
        if (d->document >= 0 || d->clause)
                duty_piece(ev, 'B');
        put_period(ev, c, o);
        piece(ev);
        buf_printf(b, "\n完成：%d/%d", st->done, required);
        if (met && st->done_on > 0) {
                buf_puts(b, "（已于 ");
                put_day(b, st->done_on);
                buf_puts(b, " 完成）");
        } else if (met)
                buf_puts(b, "（已完成）");
        else if (overdue)
                buf_puts(b, "（已逾期）");
        if (d->note)
                duty_piece(ev, 'N');
        if (!met) /* nothing left to remind of once met */
                put_alarms(ev, c, o);
        return event_finish(ev);
}

int ical_event_summary(const Config *c, const IcalGroup *g, IcalVersion v, IcalEvent *ev) {
        const Occurrence *o = g->o;
        const Duty *d = &c->duties[o->duty];
        const char *unit = d->per_holder ? "人" : "岗位";
        event_start(ev, o, d, v);
        summary_uid(c, o, ev->uid);

        Buf *b = &ev->text;
        buf_puts(b, g->met == g->members ? "✓ " : g->overdue > 0 ? "【逾期】" : "");
        buf_puts(b, d->title);
        put_checkpoint(b, o);
        buf_printf(b, " 已完成 %d/%d %s", g->met, g->members, unit);

        duty_piece(ev, 'W');
        if (d->document >= 0 || d->clause)
                duty_piece(ev, 'B');
        put_period(ev, c, o);
        piece(ev);
        buf_printf(b, "\n完成：%d/%d 个%s", g->met, g->members, unit);
        if (g->overdue > 0)
                buf_printf(b, "，逾期未完成 %d 个", g->overdue);
        int unmet = g->members - g->met;
        if (unmet > 0 && g->n_unmet > 0) {
                piece(ev);
                buf_puts(b, "\n未完成：");
                for (size_t i = 0; i < g->n_unmet && i < ICAL_UNMET_LISTED; i++) {
                        if (i > 0)
                                buf_puts(b, "、");
                        put_post(b, c, &g->unmet[i]);
                }
                if ((size_t)unmet > g->n_unmet)
                        buf_printf(b, " 等 %d 个", unmet);
        }
        if (d->note)
                duty_piece(ev, 'N');
        return event_finish(ev);
}

void ical_event_done(IcalEvent *ev) {
        buf_done(&ev->text);
}

/* ---- content hashes (FNV-1a, 64 bits; every field length-prefixed) ---- */

#define HASH_SEED UINT64_C(14695981039346656037)

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n) {
        const unsigned char *s = p;
        for (size_t i = 0; i < n; i++)
                h = (h ^ s[i]) * UINT64_C(1099511628211);
        return h;
}

uint64_t ical_hash_mix(uint64_t h, uint64_t v) {
        unsigned char le[8];
        for (int i = 0; i < 8; i++)
                le[i] = (unsigned char)(v >> (8 * i));
        return hash_bytes(h, le, sizeof(le));
}

uint64_t ical_hash_str(uint64_t h, const char *s) {
        if (!s)
                return ical_hash_mix(h, UINT64_MAX);
        size_t n = strlen(s);
        return hash_bytes(ical_hash_mix(h, n), s, n);
}

static uint64_t nonzero(uint64_t h) {
        return h ? h : 1;
}

uint64_t ical_hash_org(const Config *c) {
        return nonzero(ical_hash_str(HASH_SEED, c->org_name));
}

uint64_t ical_hash_calendar_year(const Config *c, int year) {
        uint64_t h = ical_hash_mix(HASH_SEED, (uint64_t)year);
        const Calendar *cal = c->calendar;
        const CalendarYear *y = NULL;
        for (size_t i = 0; cal && i < cal->n_years; i++)
                if (cal->years[i].year == year)
                        y = &cal->years[i];
        if (!y)
                return nonzero(ical_hash_str(h, "weekends only"));
        h = hash_bytes(h, y->off, sizeof(y->off));
        h = hash_bytes(h, y->work, sizeof(y->work));
        for (size_t i = 0; i < cal->n_holidays; i++) {
                const Holiday *hd = &cal->holidays[i];
                if (day_to_ymd(hd->from).y != year)
                        continue;
                h = ical_hash_str(ical_hash_str(h, hd->id), hd->name);
                h = ical_hash_mix(ical_hash_mix(h, (uint64_t)hd->from), (uint64_t)hd->to);
        }
        return nonzero(h);
}

uint64_t ical_hash_post(const Config *c, size_t post) {
        uint64_t h =
                ical_hash_str(ical_hash_str(HASH_SEED, c->posts[post].id), c->posts[post].name);
        for (uint32_t i = c->holders_off[post]; i < c->holders_off[post + 1]; i++) {
                const PostTenure *t = &c->holders[i];
                h = ical_hash_str(h, c->people[t->person].id);
                h = ical_hash_str(h, c->people[t->person].name);
                h = ical_hash_mix(ical_hash_mix(h, (uint64_t)t->from), (uint64_t)t->until);
        }
        return nonzero(h);
}

uint64_t ical_hash_duty(const Config *c, size_t duty) {
        const Duty *d = &c->duties[duty];
        /* d->hash covers the duty's own settings (texts, kind, rule, reminders); the rest is what
         * else its events show. */
        uint64_t h = ical_hash_mix(HASH_SEED, d->hash);
        h = ical_hash_str(ical_hash_str(h, d->id), d->title);
        h = ical_hash_str(ical_hash_str(h, d->clause), d->note);
        h = ical_hash_mix(ical_hash_mix(h, (uint64_t)d->kind), d->per_holder);
        if (d->document >= 0 && (size_t)d->document < c->n_documents)
                h = ical_hash_str(ical_hash_str(h, c->documents[d->document].title),
                                  c->documents[d->document].number);
        const ReminderPolicy *p = &d->reminders;
        for (size_t i = 0; i < p->n_before; i++)
                h = ical_hash_mix(h, (uint64_t)p->before[i]);
        h = ical_hash_mix(ical_hash_mix(h, (uint64_t)p->minute_of_day), p->overdue);
        return nonzero(h);
}

uint64_t ical_hash_assignment(const Config *c, uint64_t duty_hash, uint64_t post_hash,
                              ssize_t person) {
        uint64_t h = ical_hash_mix(ical_hash_mix(HASH_SEED, duty_hash), post_hash);
        if (person >= 0 && (size_t)person < c->n_people)
                h = ical_hash_str(ical_hash_str(h, c->people[person].id), c->people[person].name);
        return nonzero(h);
}

uint64_t ical_hash_duty_row(const Config *c, size_t duty, uint64_t duty_hash,
                            const uint64_t *post_hash) {
        const Duty *d = &c->duties[duty];
        uint64_t h = ical_hash_mix(HASH_SEED, duty_hash);
        for (size_t i = 0; i < d->n_posts; i++)
                h = ical_hash_mix(h, post_hash[d->posts[i]]);
        return nonzero(h);
}

/* ---- the renderer: libical output of each distinct text, kept and reused ---- */

typedef struct MemoSlot {
        uint64_t hash;
        char *key; /* NULL = empty slot */
        size_t key_len;
        char *val;
        size_t len;
} MemoSlot;

typedef struct Memo {
        MemoSlot *slots;
        size_t n, cap; /* cap: power of two */
        size_t bytes;  /* of keys and values */
} Memo;

static uint64_t memo_hash(const void *p, size_t n) {
        uint64_t h = hash_bytes(HASH_SEED, p, n);
        return h ^ (h >> 29);
}

static void memo_done(Memo *m) {
        for (size_t i = 0; i < m->cap; i++)
                if (m->slots[i].key) {
                        free(m->slots[i].key);
                        free(m->slots[i].val);
                }
        free(m->slots);
        *m = (Memo){0};
}

static MemoSlot *memo_slot(Memo *m, const void *key, size_t key_len, uint64_t h) {
        size_t i = h & (m->cap - 1);
        for (;; i = (i + 1) & (m->cap - 1)) {
                MemoSlot *s = &m->slots[i];
                if (!s->key ||
                    (s->hash == h && s->key_len == key_len && memcmp(s->key, key, key_len) == 0))
                        return s;
        }
}

static const MemoSlot *memo_get(const Memo *m, const void *key, size_t key_len) {
        if (m->cap == 0)
                return NULL;
        MemoSlot *s = memo_slot((Memo *)m, key, key_len, memo_hash(key, key_len));
        return s->key ? s : NULL;
}

/* Takes `val` (malloc'd) in every case. A memo grown past ICAL_RENDERER_MEMO_MAX starts again
 * empty: a renderer kept for many feeds stays bounded. */
static const MemoSlot *memo_put(Memo *m, const void *key, size_t key_len, char *val, size_t len) {
        if (m->bytes + key_len + len > ICAL_RENDERER_MEMO_MAX)
                memo_done(m);
        if ((m->n + 1) * 2 > m->cap) {
                size_t cap = m->cap ? m->cap * 2 : 256;
                MemoSlot *old = m->slots, *ns = calloc(cap, sizeof(*ns));
                if (!ns) {
                        free(val);
                        return NULL;
                }
                size_t ocap = m->cap;
                m->slots = ns, m->cap = cap;
                for (size_t i = 0; i < ocap; i++)
                        if (old[i].key)
                                *memo_slot(m, old[i].key, old[i].key_len, old[i].hash) = old[i];
                free(old);
        }
        uint64_t h = memo_hash(key, key_len);
        MemoSlot *s = memo_slot(m, key, key_len, h);
        if (s->key) { /* already there */
                free(val);
                return s;
        }
        char *k = malloc(key_len ? key_len : 1);
        if (!k) {
                free(val);
                return NULL;
        }
        memcpy(k, key, key_len);
        *s = (MemoSlot){.hash = h, .key = k, .key_len = key_len, .val = val, .len = len};
        m->n++;
        m->bytes += key_len + len;
        return s;
}

enum { FX_ORGANIZER, FX_CAT_SAFETY, FX_STATUS, FX_TRANSP, FX_ACTION, FX_MAX };

struct IcalRenderer {
        const Config *config;
        Memo memo;
        /* "BEGIN:VEVENT\r\n", "END:VEVENT\r\n", and VALARM's, as libical writes them */
        char *begin, *end, *alarm_begin, *alarm_end;
        size_t begin_len, end_len, alarm_begin_len, alarm_end_len;
        char *fixed[FX_MAX];
        size_t fixed_len[FX_MAX];
        /* libical's UID line for a UID of zeros, and where they are: an event's UID (UUID form,
         * [0-9a-f-], always 36 characters) takes their place, as it would the same way in
         * libical's output (nothing to escape, no fold). */
        char *uid_line;
        size_t uid_len, uid_at;
        Buf key; /* scratch: the memo key being looked up */
};

#define UID_ZERO "00000000-0000-0000-0000-000000000000"

/* Serialises one property with libical and frees it. */
static char *prop_string(icalproperty *p, size_t *len) {
        if (!p)
                return NULL;
        char *s = icalproperty_as_ical_string_r(p);
        icalproperty_free(p);
        if (s && len)
                *len = strlen(s);
        return s;
}

static icalproperty *organizer_prop(const Config *c) {
        icalproperty *org = icalproperty_new_organizer(ORGANIZER_ADDRESS);
        if (!org)
                return NULL;
        /* A parameter value cannot hold a DQUOTE at all (RFC 5545 §3.1): drop it. */
        _cleanup_free_ char *cn = ical_clean_text(c->org_name);
        icalparameter *prm = NULL;
        if (cn) {
                for (char *q = cn; *q; q++)
                        if (*q == '"' || *q == '\n')
                                *q = ' ';
                prm = icalparameter_new_cn(cn);
        }
        if (!prm) {
                icalproperty_free(org);
                return NULL;
        }
        icalproperty_add_parameter(org, prm);
        return org;
}

/* The first and the last line of an empty component, as libical writes them. */
static int component_shell(icalcomponent *comp, char **begin, size_t *begin_len, char **end,
                           size_t *end_len) {
        char *s = comp ? icalcomponent_as_ical_string_r(comp) : NULL;
        if (comp)
                icalcomponent_free(comp);
        char *mid = s ? strstr(s, "END:") : NULL;
        if (!mid) {
                free(s);
                return s ? -EIO : -ENOMEM;
        }
        *end = strdup(mid);
        *mid = 0;
        *begin = s;
        *begin_len = strlen(s);
        *end_len = *end ? strlen(*end) : 0;
        return *end ? 0 : -ENOMEM;
}

int ical_renderer_new(const Config *c, IcalRenderer **ret) {
        IcalRenderer *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->config = c;
        (void)icaltimezone_get_utc_timezone();
        int q = component_shell(icalcomponent_new_vevent(), &r->begin, &r->begin_len, &r->end,
                                &r->end_len);
        if (q == 0)
                q = component_shell(icalcomponent_new_valarm(), &r->alarm_begin,
                                    &r->alarm_begin_len, &r->alarm_end, &r->alarm_end_len);
        if (q < 0) {
                ical_renderer_free(r);
                return q;
        }
        icalproperty *p[FX_MAX] = {
                [FX_ORGANIZER] = organizer_prop(c),
                [FX_CAT_SAFETY] = text_prop(ICAL_CATEGORIES_PROPERTY, NULL, "安全生产"),
                [FX_STATUS] = icalproperty_new_status(ICAL_STATUS_CONFIRMED),
                [FX_TRANSP] = icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT),
                [FX_ACTION] = icalproperty_new_action(ICAL_ACTION_DISPLAY),
        };
        bool ok = true;
        for (size_t i = 0; i < FX_MAX; i++) {
                r->fixed[i] = prop_string(p[i], &r->fixed_len[i]);
                ok = ok && r->fixed[i];
        }
        r->uid_line = prop_string(icalproperty_new_uid(UID_ZERO), &r->uid_len);
        const char *zero = r->uid_line ? strstr(r->uid_line, UID_ZERO) : NULL;
        ok = ok && zero;
        r->uid_at = zero ? (size_t)(zero - r->uid_line) : 0;
        if (!ok) {
                ical_renderer_free(r);
                return -ENOMEM;
        }
        *ret = r;
        return 0;
}

IcalRenderer *ical_renderer_free(IcalRenderer *r) {
        if (!r)
                return NULL;
        memo_done(&r->memo);
        free(r->begin);
        free(r->end);
        free(r->alarm_begin);
        free(r->alarm_end);
        for (size_t i = 0; i < FX_MAX; i++)
                free(r->fixed[i]);
        free(r->uid_line);
        buf_done(&r->key);
        free(r);
        return NULL;
}

/* What a memo entry is made from: the event, and the text or number the key names. */
typedef struct MakeArg {
        const IcalEvent *ev;
        const char *text;
        char kind; /* a duty piece (IcalEvent.duty_piece) */
        int64_t n;
        const IcalAlarm *alarm;
} MakeArg;

typedef char *(*MakeFn)(IcalRenderer *r, const MakeArg *a, size_t *len);

/* Appends the memoised libical text for the key in r->key; `make` builds it on first use. */
static bool put_memo(IcalRenderer *r, Buf *out, MakeFn make, const MakeArg *a) {
        if (r->key.oom)
                return false;
        const MemoSlot *s = memo_get(&r->memo, r->key.data, r->key.len);
        if (!s) {
                size_t len = 0;
                char *v = make(r, a, &len);
                if (!v)
                        return false;
                /* libical's string buffers are allocated in large steps (several KB for a
                 * 300-byte VALARM): kept for the whole feed, trim them to their length. */
                char *t = realloc(v, len + 1);
                if (t)
                        v = t;
                s = memo_put(&r->memo, r->key.data, r->key.len, v, len);
                if (!s)
                        return false;
        }
        buf_put(out, s->val, s->len);
        return true;
}

/* Sets r->key to a one-letter kind followed by `text`. */
static void key_text(IcalRenderer *r, char kind, const char *text) {
        r->key.len = 0;
        r->key.oom = false;
        buf_put(&r->key, &kind, 1);
        buf_puts(&r->key, text);
}

/* Sets r->key to a one-letter kind followed by the number's bytes. */
static void key_num(IcalRenderer *r, char kind, int64_t n) {
        r->key.len = 0;
        r->key.oom = false;
        buf_put(&r->key, &kind, 1);
        buf_put(&r->key, (const char *)&n, sizeof(n));
}

static char *make_day(IcalRenderer *r, const MakeArg *a, size_t *len) {
        (void)r;
        /* n = day * 2 + (0 DTSTART / 1 DTEND) */
        Day d = (Day)(a->n / 2);
        struct icaltimetype t = date_value(d);
        return prop_string(a->n % 2 ? icalproperty_new_dtend(t) : icalproperty_new_dtstart(t), len);
}

static char *make_stamp(IcalRenderer *r, const MakeArg *a, size_t *len) {
        (void)r;
        size_t l1, l2;
        _cleanup_free_ char *s1 = prop_string(icalproperty_new_dtstamp(utc_value(a->n)), &l1);
        _cleanup_free_ char *s2 = prop_string(icalproperty_new_lastmodified(utc_value(a->n)), &l2);
        return s1 && s2 ? (*len = l1 + l2, strfmt("%s%s", s1, s2)) : NULL;
}

static char *make_sequence(IcalRenderer *r, const MakeArg *a, size_t *len) {
        (void)r;
        int seq = a->n > INT32_MAX ? INT32_MAX : (int)a->n;
        return prop_string(icalproperty_new_sequence(seq), len);
}

static char *make_summary(IcalRenderer *r, const MakeArg *a, size_t *len) {
        (void)r;
        return prop_string(text_prop(ICAL_SUMMARY_PROPERTY, NULL, a->text), len);
}

/* The text of a piece: the event's, or the duty's own made now. */
static char *piece_text(IcalRenderer *r, const MakeArg *a) {
        if (!a->kind)
                return strdup(a->text);
        const Duty *d = &r->config->duties[a->ev->duty];
        Buf b = {0};
        if (a->kind == 'W')
                text_what(&b, d);
        else if (a->kind == 'B')
                text_basis(&b, r->config, d);
        else
                text_note(&b, d);
        return buf_steal(&b);
}

static char *make_head_piece(IcalRenderer *r, const MakeArg *a, size_t *len) {
        _cleanup_free_ char *text = piece_text(r, a);
        return text ? prop_string(text_prop(ICAL_DESCRIPTION_PROPERTY, NULL, text), len) : NULL;
}

/* A piece after the first: libical's DESCRIPTION line of it, its name replaced by the SP of a
 * fold, so that it continues the line before it (which ends with CRLF). */
static char *make_next_piece(IcalRenderer *r, const MakeArg *a, size_t *len) {
        size_t l;
        _cleanup_free_ char *s = make_head_piece(r, a, &l);
        size_t pl = strlen(DESCRIPTION_PREFIX);
        if (!s || l < pl || memcmp(s, DESCRIPTION_PREFIX, pl) != 0)
                return NULL;
        const char *rest = s + pl;
        if (strncmp(rest, "\r\n ", 3) == 0) /* libical folded right after the name */
                rest += 3;
        *len = strlen(rest) + 1;
        return strfmt(" %s", rest);
}

static char *make_kind(IcalRenderer *r, const MakeArg *a, size_t *len) {
        (void)r;
        return prop_string(text_prop(ICAL_CATEGORIES_PROPERTY, NULL, duty_kind_to_zh(a->ev->kind)),
                           len);
}

/* A VALARM's DESCRIPTION: "7天后截止：<SUMMARY>" (n = days left). */
static char *make_alarm_text(IcalRenderer *r, const MakeArg *a, size_t *len) {
        (void)r;
        const char *sum = a->ev->text.data + a->ev->at[0];
        _cleanup_free_ char *text = a->n == 0   ? strfmt("今天截止：%s", sum)
                                    : a->n == 1 ? strfmt("明天截止：%s", sum)
                                                : strfmt("%d天后截止：%s", (int)a->n, sum);
        return text ? prop_string(text_prop(ICAL_DESCRIPTION_PROPERTY, NULL, text), len) : NULL;
}

static char *make_trigger(IcalRenderer *r, const MakeArg *a, size_t *len) {
        (void)r;
        return prop_string(icalproperty_new_trigger(icaltriggertype_from_int((int)a->n)), len);
}

/* BEGIN:VALARM, ACTION, DESCRIPTION, TRIGGER, END:VALARM: what libical writes for such a
 * component, its two lines that vary each rendered once per text or trigger. */
static bool put_alarm(IcalRenderer *r, Buf *out, MakeArg *a) {
        buf_put(out, r->alarm_begin, r->alarm_begin_len);
        buf_put(out, r->fixed[FX_ACTION], r->fixed_len[FX_ACTION]);
        a->n = a->alarm->days_left;
        key_num(r, 'a', a->n);
        buf_puts(&r->key, a->ev->text.data + a->ev->at[0]);
        bool ok = put_memo(r, out, make_alarm_text, a);
        a->n = a->alarm->trigger;
        key_num(r, 'R', a->n);
        ok = ok && put_memo(r, out, make_trigger, a);
        buf_put(out, r->alarm_end, r->alarm_end_len);
        return ok;
}

static void put_fixed(IcalRenderer *r, Buf *out, int i) {
        buf_put(out, r->fixed[i], r->fixed_len[i]);
}

static void put_uid(IcalRenderer *r, Buf *out, const char *uid) {
        size_t at = out->len;
        buf_put(out, r->uid_line, r->uid_len);
        if (!out->oom && strlen(uid) == strlen(UID_ZERO))
                memcpy(out->data + at + r->uid_at, uid, strlen(UID_ZERO));
        else
                out->oom = true; /* not a UID of ours */
}

int ical_renderer_event(IcalRenderer *r, const IcalEvent *e, Buf *out) {
        const char *text = e->text.data ? e->text.data : "";
        MakeArg a = {.ev = e};
        buf_put(out, r->begin, r->begin_len);
        put_uid(r, out, e->uid);
        bool ok = true;
        a.n = e->version.stamp;
        key_num(r, 'T', a.n);
        ok = ok && put_memo(r, out, make_stamp, &a);
        a.n = e->version.sequence;
        key_num(r, 'Q', a.n);
        ok = ok && put_memo(r, out, make_sequence, &a);
        put_fixed(r, out, FX_ORGANIZER);
        for (int k = 0; k < 2 && ok; k++) {
                a.n = (int64_t)(e->due + k) * 2 + k;
                key_num(r, 'D', a.n);
                ok = put_memo(r, out, make_day, &a);
        }
        a.text = text + e->at[0];
        key_text(r, 'S', a.text);
        ok = ok && put_memo(r, out, make_summary, &a);
        for (size_t i = 1; i <= e->n_pieces && ok; i++) {
                a.text = text + e->at[i];
                a.kind = e->duty_piece[i];
                if (a.kind) /* e.g. "W12" (first) / "w12": duty 12's what */
                        key_num(r, (char)(i == 1 ? a.kind : a.kind + ('a' - 'A')), e->duty);
                else
                        key_text(r, i == 1 ? 'H' : 'P', a.text);
                ok = put_memo(r, out, i == 1 ? make_head_piece : make_next_piece, &a);
        }
        a.kind = 0;
        put_fixed(r, out, FX_CAT_SAFETY);
        key_num(r, 'K', e->kind);
        ok = ok && put_memo(r, out, make_kind, &a);
        put_fixed(r, out, FX_STATUS);
        put_fixed(r, out, FX_TRANSP);
        for (size_t i = 0; i < e->n_alarms && ok; i++) {
                a.alarm = &e->alarms[i];
                ok = put_alarm(r, out, &a);
        }
        buf_put(out, r->end, r->end_len);
        return ok && !out->oom ? 0 : -ENOMEM;
}

/* ---- calendars ---- */

int ical_render_head(const Config *c, const char *calname, const char *note, char **ret,
                     size_t *ret_len) {
        bool ok = true;
        icalcomponent *cal = icalcomponent_new_vcalendar();
        if (!cal)
                return -ENOMEM;
        int minutes = c->feeds.refresh_minutes > 0 ? c->feeds.refresh_minutes : 360;
        struct icaldurationtype refresh = icaldurationtype_from_int(minutes * 60);
        add(cal, icalproperty_new_version("2.0"), &ok);
        add(cal, icalproperty_new_prodid(PRODID), &ok);
        add(cal, icalproperty_new_calscale("GREGORIAN"), &ok);
        add(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH), &ok);
        add(cal, text_prop(ICAL_NAME_PROPERTY, NULL, calname), &ok);
        add(cal, text_prop(ICAL_X_PROPERTY, "X-WR-CALNAME", calname), &ok);
        if (note) {
                add(cal, text_prop(ICAL_DESCRIPTION_PROPERTY, NULL, note), &ok);
                add(cal, text_prop(ICAL_X_PROPERTY, "X-WR-CALDESC", note), &ok);
        }
        add(cal,
            text_prop(ICAL_X_PROPERTY, "X-WR-TIMEZONE",
                      c->timezone ? c->timezone : DEFAULT_TIMEZONE),
            &ok);
        add(cal, icalproperty_new_refreshinterval(refresh), &ok);
        char *ttl = icaldurationtype_as_ical_string_r(refresh);
        if (!ttl)
                ok = false;
        else {
                add(cal, text_prop(ICAL_X_PROPERTY, "X-PUBLISHED-TTL", ttl), &ok);
                icalmemory_free_buffer(ttl);
        }
        char *s = ok ? icalcomponent_as_ical_string_r(cal) : NULL;
        icalcomponent_free(cal);
        if (!s)
                return -ENOMEM;
        size_t n = strlen(s), end = strlen(ICAL_CALENDAR_END);
        if (n < end || memcmp(s + n - end, ICAL_CALENDAR_END, end) != 0) {
                icalmemory_free_buffer(s);
                return -EIO; /* libical changed its output shape */
        }
        n -= end;
        s[n] = 0;
        *ret = s;
        if (ret_len)
                *ret_len = n;
        return 0;
}

static const IcalVersion no_version = {0};

/* Hands out what `b` holds when `r` is 0 (taking it in every case). */
static int buf_result(Buf *b, int r, char **ret, size_t *ret_len) {
        size_t len = b->len;
        char *s = buf_steal(b);
        if (r == 0 && !s)
                r = -ENOMEM;
        if (r < 0) {
                free(s);
                return r;
        }
        *ret = s;
        if (ret_len)
                *ret_len = len;
        return 0;
}

int ical_render_feed(const Config *c, const char *calname, const Occurrence *occ,
                     const FeedStatus *st, const IcalVersion *v, size_t n, char **ret,
                     size_t *ret_len) {
        Buf b = {0};
        IcalEvent ev = {0};
        IcalRenderer *rd = NULL;
        char *head;
        size_t len;
        int r = ical_render_head(c, calname, NULL, &head, &len);
        if (r < 0)
                return r;
        buf_put(&b, head, len);
        free(head);
        r = ical_renderer_new(c, &rd);
        for (size_t i = 0; r == 0 && i < n; i++) {
                r = ical_event_occurrence(c, &occ[i], st ? &st[i] : NULL, NULL, 0,
                                          v ? v[i] : no_version, &ev);
                if (r == 0)
                        r = ical_renderer_event(rd, &ev, &b);
        }
        ical_renderer_free(rd);
        ical_event_done(&ev);
        buf_puts(&b, ICAL_CALENDAR_END);
        return buf_result(&b, r, ret, ret_len);
}

int ical_render_event(const Config *c, const Occurrence *o, const FeedStatus *st, IcalVersion v,
                      char **ret, size_t *ret_len) {
        IcalEvent ev = {0};
        IcalRenderer *rd = NULL;
        Buf b = {0};
        int r = ical_event_occurrence(c, o, st, NULL, 0, v, &ev);
        if (r == 0)
                r = ical_renderer_new(c, &rd);
        if (r == 0)
                r = ical_renderer_event(rd, &ev, &b);
        ical_renderer_free(rd);
        ical_event_done(&ev);
        return buf_result(&b, r, ret, ret_len);
}
