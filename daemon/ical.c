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
/* DTSTAMP of an occurrence nothing has happened to yet: a point in 2024 chosen by its content
 * hash, so any change to its text, dates or alarms changes it and nothing else does. */
#define STAMP_BASE INT64_C(1704067200) /* 2024-01-01T00:00:00Z */
#define STAMP_SPAN INT64_C(31536000)   /* 365 days */
#define ICAL_FIXED_MAX 8

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

void ical_occurrence_uid(const Config *c, const Occurrence *o, char out[static ICAL_UID_MAX]) {
        char id[OCCURRENCE_ID_MAX];
        char in[OCCURRENCE_ID_MAX + 32];
        unsigned char h[32];
        occurrence_id(c, o, id, sizeof(id));
        int n = snprintf(in, sizeof(in), "dutyd-occurrence-v1\n%s", id);
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

/* Builds the texts and stamps of one event and its key (see ical.h). */
int ical_event_prepare(const Config *c, const Occurrence *o, const FeedStatus *st,
                       const size_t *holders_in, size_t n_holders, IcalEvent *ev) {
        static const FeedStatus none = {0};
        if (!st)
                st = &none;
        *ev = (IcalEvent){0};
        const Duty *d = &c->duties[o->duty];
        int required = st->required > 0 ? st->required : (o->required > 0 ? o->required : 1);
        bool met = st->met, overdue = st->overdue && !st->met;
        ev->due = o->due;
        ev->kind = d->kind;

        char id[OCCURRENCE_ID_MAX], period[128];
        occurrence_id(c, o, id, sizeof(id));
        occurrence_period_id(c, o, period, sizeof(period));
        ical_occurrence_uid(c, o, ev->uid);

        /* SUMMARY: ✓/【逾期】 + post·duty + 第i/N次 */
        Buf sum = {0};
        if (met)
                buf_puts(&sum, "✓ ");
        else if (overdue)
                buf_puts(&sum, "【逾期】");
        put_post(&sum, c, o);
        buf_printf(&sum, "·%s", d->title);
        if (o->of > 1)
                buf_printf(&sum, " 第%u/%u次", (unsigned)o->checkpoint, (unsigned)o->of);

        /* DESCRIPTION: what, who, basis, period, deadline, progress, note. */
        Buf desc = {0};
        buf_printf(&desc, "事项：%s（%s）\n", d->title, duty_kind_to_zh(d->kind));
        size_t hbuf[MAX_POST_HOLDERS];
        const size_t *holders = holders_in;
        size_t nh = n_holders;
        if (!holders) {
                nh = occurrence_holders(c, o, o->due, hbuf, ELEMENTSOF(hbuf));
                holders = hbuf;
        }
        buf_puts(&desc, "责任人：");
        for (size_t i = 0; i < nh; i++)
                buf_printf(&desc, "%s%s", i == 0 ? "" : "、", c->people[holders[i]].name);
        buf_puts(&desc, nh ? "（" : "暂无在岗人员（");
        buf_puts(&desc, c->posts[o->post].name);
        buf_puts(&desc, "）\n");
        if (d->document >= 0 || d->clause) {
                buf_puts(&desc, "依据：");
                if (d->document >= 0 && (size_t)d->document < c->n_documents) {
                        const Document *doc = &c->documents[d->document];
                        buf_printf(&desc, "《%s》", doc->title);
                        if (doc->number)
                                buf_printf(&desc, "（%s）", doc->number);
                }
                if (d->clause)
                        buf_printf(&desc, "%s%s", d->document >= 0 ? " " : "", d->clause);
                buf_puts(&desc, "\n");
        }
        buf_printf(&desc, "周期：%s（", period);
        if (o->holiday >= 0 && c->calendar && (size_t)o->holiday < c->calendar->n_holidays)
                buf_printf(&desc, "%s前", c->calendar->holidays[o->holiday].name);
        else {
                put_day(&desc, o->period_start);
                buf_puts(&desc, " 至 ");
                put_day(&desc, o->period_end);
        }
        buf_puts(&desc, "）");
        if (o->of > 1)
                buf_printf(&desc, "，第%u/%u次", (unsigned)o->checkpoint, (unsigned)o->of);
        buf_puts(&desc, "\n截止：");
        put_day(&desc, o->due);
        if (o->due != o->nominal) {
                buf_puts(&desc, "（原定 ");
                put_day(&desc, o->nominal);
                buf_puts(&desc, "，逢节假日调整）");
        }
        buf_printf(&desc, "\n完成：%d/%d", st->done, required);
        if (met && st->done_on > 0) {
                buf_puts(&desc, "（已于 ");
                put_day(&desc, st->done_on);
                buf_puts(&desc, " 完成）");
        } else if (met)
                buf_puts(&desc, "（已完成）");
        else if (overdue)
                buf_puts(&desc, "（已逾期）");
        if (d->note)
                buf_printf(&desc, "\n备注：%s", d->note);

        /* Alarms: the reminder days the engine computes (non-working days already moved), at the
         * reminder time, relative to the all-day start. None once the occurrence is met. */
        if (!met) {
                Reminder rem[32];
                size_t nr = schedule_reminders(c, o, o->due - 400, o->due, rem, ELEMENTSOF(rem));
                for (size_t i = 0; i < nr && ev->n_alarms < ELEMENTSOF(ev->alarms); i++) {
                        if (rem[i].kind != REMIND_UPCOMING && rem[i].kind != REMIND_DUE_TODAY)
                                continue;
                        IcalAlarm *a = &ev->alarms[ev->n_alarms++];
                        a->trigger = (int64_t)(rem[i].day - o->due) * 86400 +
                                     (int64_t)rem[i].minute * 60;
                        a->days_left = o->due - rem[i].day;
                }
        }

        /* DTSTAMP/LAST-MODIFIED and SEQUENCE from the content: hash of everything rendered.
         * The key adds what else reaches the bytes (the organiser's name). */
        Buf hb = {0};
        buf_printf(&hb, "%s\n%d\n%d\n%s\n%s\n%d\n", id, (int)o->due, (int)o->nominal,
                   sum.data ? sum.data : "", desc.data ? desc.data : "",
                   (int)(met       ? 2
                         : overdue ? 1
                                   : 0));
        for (size_t i = 0; i < ev->n_alarms; i++)
                buf_printf(&hb, "%lld\n", (long long)ev->alarms[i].trigger);
        if (sum.oom || desc.oom || hb.oom) {
                buf_done(&sum);
                buf_done(&desc);
                buf_done(&hb);
                return -ENOMEM;
        }
        unsigned char h[32];
        sha256(hb.data, hb.len, h);
        buf_done(&hb);
        /* key = SHA-256(h, kind, organiser): h already covers the rest. */
        Buf kb = {0};
        buf_put(&kb, (const char *)h, sizeof(h));
        buf_printf(&kb, "%d\n%s", (int)d->kind, c->org_name ? c->org_name : "");
        if (kb.oom) {
                buf_done(&sum);
                buf_done(&desc);
                buf_done(&kb);
                return -ENOMEM;
        }
        sha256(kb.data, kb.len, ev->key);
        buf_done(&kb);
        uint64_t hv = 0;
        for (int i = 0; i < 8; i++)
                hv = (hv << 8) | h[i];
        if (met && st->done_on > 0) {
                ev->stamp = (int64_t)st->done_on * 86400 + 43200 + (int64_t)(hv % 3600);
                ev->sequence = st->done_on > o->due ? 3 : 2;
        } else if (overdue) {
                ev->stamp = (int64_t)(o->due + 1) * 86400 + (int64_t)(hv % 3600);
                ev->sequence = 1;
        } else {
                ev->stamp = STAMP_BASE + (int64_t)(hv % (uint64_t)STAMP_SPAN);
                ev->sequence = met ? 2 : 0;
        }
        ev->summary = buf_steal(&sum);
        ev->description = buf_steal(&desc);
        if (!ev->summary || !ev->description) {
                ical_event_done(ev);
                return -ENOMEM;
        }
        return 0;
}

void ical_event_done(IcalEvent *ev) {
        free(ev->summary);
        free(ev->description);
        ev->summary = ev->description = NULL;
}

static char *alarm_text(const IcalEvent *ev, const IcalAlarm *a) {
        return a->days_left == 0   ? strfmt("今天截止：%s", ev->summary)
               : a->days_left == 1 ? strfmt("明天截止：%s", ev->summary)
                                   : strfmt("%d天后截止：%s", a->days_left, ev->summary);
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

static icalcomponent *alarm_component(const IcalEvent *ev, const IcalAlarm *al) {
        bool ok = true;
        icalcomponent *a = icalcomponent_new_valarm();
        if (!a)
                return NULL;
        add(a, icalproperty_new_action(ICAL_ACTION_DISPLAY), &ok);
        _cleanup_free_ char *text = alarm_text(ev, al);
        if (!text)
                ok = false;
        else
                add(a, text_prop(ICAL_DESCRIPTION_PROPERTY, NULL, text), &ok);
        add(a, icalproperty_new_trigger(icaltriggertype_from_int((int)al->trigger)), &ok);
        if (!ok) {
                icalcomponent_free(a);
                return NULL;
        }
        return a;
}

/* The reference path: the whole VEVENT as one libical component tree. */
static int serialize_component(const Config *c, const IcalEvent *e, char **ret, size_t *ret_len) {
        bool ok = true;
        icalcomponent *ev = icalcomponent_new_vevent();
        if (!ev)
                return -ENOMEM;
        add(ev, icalproperty_new_uid(e->uid), &ok);
        add(ev, icalproperty_new_dtstamp(utc_value(e->stamp)), &ok);
        add(ev, icalproperty_new_lastmodified(utc_value(e->stamp)), &ok);
        add(ev, icalproperty_new_sequence(e->sequence), &ok);
        add(ev, organizer_prop(c), &ok);
        add(ev, icalproperty_new_dtstart(date_value(e->due)), &ok);
        add(ev, icalproperty_new_dtend(date_value(e->due + 1)), &ok);
        add(ev, text_prop(ICAL_SUMMARY_PROPERTY, NULL, e->summary), &ok);
        add(ev, text_prop(ICAL_DESCRIPTION_PROPERTY, NULL, e->description), &ok);
        add(ev, text_prop(ICAL_CATEGORIES_PROPERTY, NULL, "安全生产"), &ok);
        add(ev, text_prop(ICAL_CATEGORIES_PROPERTY, NULL, duty_kind_to_zh(e->kind)), &ok);
        add(ev, icalproperty_new_status(ICAL_STATUS_CONFIRMED), &ok);
        add(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT), &ok);
        for (size_t i = 0; i < e->n_alarms && ok; i++) {
                icalcomponent *a = alarm_component(e, &e->alarms[i]);
                if (!a)
                        ok = false;
                else
                        icalcomponent_add_component(ev, a);
        }
        char *s = ok ? icalcomponent_as_ical_string_r(ev) : NULL;
        icalcomponent_free(ev);
        if (!s)
                return -ENOMEM;
        *ret = s;
        if (ret_len)
                *ret_len = strlen(s);
        return 0;
}

int ical_render_event(const Config *c, const Occurrence *o, const FeedStatus *st, char **ret,
                      size_t *ret_len) {
        IcalEvent ev;
        int r = ical_event_prepare(c, o, st, NULL, 0, &ev);
        if (r < 0)
                return r;
        r = serialize_component(c, &ev, ret, ret_len);
        ical_event_done(&ev);
        return r;
}

/* ---- the renderer: libical output of each distinct property, kept and reused ---- */

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
} Memo;

static uint64_t hash_bytes(const void *p, size_t n) {
        const unsigned char *s = p;
        uint64_t h = UINT64_C(1469598103934665603);
        for (size_t i = 0; i < n; i++)
                h = (h ^ s[i]) * UINT64_C(1099511628211);
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
        MemoSlot *s = memo_slot((Memo *)m, key, key_len, hash_bytes(key, key_len));
        return s->key ? s : NULL;
}

/* Takes `val` (malloc'd) in every case. */
static const MemoSlot *memo_put(Memo *m, const void *key, size_t key_len, char *val, size_t len) {
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
        uint64_t h = hash_bytes(key, key_len);
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
        return s;
}

struct IcalRenderer {
        const Config *config;
        Memo memo;
        char *begin, *end; /* "BEGIN:VEVENT\r\n", "END:VEVENT\r\n" as libical writes them */
        size_t begin_len, end_len;
        char *fixed[ICAL_FIXED_MAX]; /* see fixed_props() */
        size_t fixed_len[ICAL_FIXED_MAX];
        Buf out;
};

enum { FX_ORGANIZER, FX_CAT_SAFETY, FX_STATUS, FX_TRANSP, FX_SEQ0 /* … FX_SEQ0 + 3 */ };

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

int ical_renderer_new(const Config *c, IcalRenderer **ret) {
        IcalRenderer *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->config = c;
        (void)icaltimezone_get_utc_timezone();
        icalcomponent *ev = icalcomponent_new_vevent();
        char *s = ev ? icalcomponent_as_ical_string_r(ev) : NULL;
        if (ev)
                icalcomponent_free(ev);
        char *mid = s ? strstr(s, "END:") : NULL;
        if (!mid) {
                free(s);
                ical_renderer_free(r);
                return s ? -EIO : -ENOMEM;
        }
        r->end = strdup(mid);
        *mid = 0;
        r->begin = s;
        r->begin_len = strlen(s);
        r->end_len = r->end ? strlen(r->end) : 0;
        icalproperty *p[ICAL_FIXED_MAX] = {
                [FX_ORGANIZER] = organizer_prop(c),
                [FX_CAT_SAFETY] = text_prop(ICAL_CATEGORIES_PROPERTY, NULL, "安全生产"),
                [FX_STATUS] = icalproperty_new_status(ICAL_STATUS_CONFIRMED),
                [FX_TRANSP] = icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT),
                [FX_SEQ0] = icalproperty_new_sequence(0),
                [FX_SEQ0 + 1] = icalproperty_new_sequence(1),
                [FX_SEQ0 + 2] = icalproperty_new_sequence(2),
                [FX_SEQ0 + 3] = icalproperty_new_sequence(3),
        };
        bool ok = r->end != NULL;
        for (size_t i = 0; i < ICAL_FIXED_MAX; i++) {
                r->fixed[i] = prop_string(p[i], &r->fixed_len[i]);
                ok = ok && r->fixed[i];
        }
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
        for (size_t i = 0; i < ICAL_FIXED_MAX; i++)
                free(r->fixed[i]);
        buf_done(&r->out);
        free(r);
        return NULL;
}

/* The memoised libical text for `key`; `make` builds it on first use. */
typedef char *(*MakeFn)(IcalRenderer *r, const IcalEvent *ev, const void *arg, size_t *len);

static bool put_memo(IcalRenderer *r, const void *key, size_t key_len, MakeFn make,
                     const IcalEvent *ev, const void *arg) {
        const MemoSlot *s = memo_get(&r->memo, key, key_len);
        if (!s) {
                size_t len = 0;
                char *v = make(r, ev, arg, &len);
                if (!v)
                        return false;
                /* libical's string buffers are allocated in large steps (several KB for a
                 * 300-byte VALARM): kept for the whole build, trim them to their length. */
                char *t = realloc(v, len + 1);
                if (t)
                        v = t;
                s = memo_put(&r->memo, key, key_len, v, len);
                if (!s)
                        return false;
        }
        buf_put(&r->out, s->val, s->len);
        return true;
}

static char *make_date(IcalRenderer *r, const IcalEvent *ev, const void *arg, size_t *len) {
        (void)r, (void)ev;
        const int *a = arg; /* [0] = 0 DTSTART / 1 DTEND, [1] = day */
        struct icaltimetype t = date_value((Day)a[1]);
        return prop_string(a[0] ? icalproperty_new_dtend(t) : icalproperty_new_dtstart(t), len);
}

static char *make_summary(IcalRenderer *r, const IcalEvent *ev, const void *arg, size_t *len) {
        (void)r, (void)arg;
        return prop_string(text_prop(ICAL_SUMMARY_PROPERTY, NULL, ev->summary), len);
}

static char *make_kind(IcalRenderer *r, const IcalEvent *ev, const void *arg, size_t *len) {
        (void)r, (void)arg;
        return prop_string(text_prop(ICAL_CATEGORIES_PROPERTY, NULL, duty_kind_to_zh(ev->kind)),
                           len);
}

static char *make_alarm(IcalRenderer *r, const IcalEvent *ev, const void *arg, size_t *len) {
        (void)r;
        icalcomponent *a = alarm_component(ev, arg);
        if (!a)
                return NULL;
        char *s = icalcomponent_as_ical_string_r(a);
        icalcomponent_free(a);
        if (s)
                *len = strlen(s);
        return s;
}

static void put_fixed(IcalRenderer *r, int i) {
        buf_put(&r->out, r->fixed[i], r->fixed_len[i]);
}

static bool put_prop(IcalRenderer *r, icalproperty *p) {
        size_t len;
        char *s = prop_string(p, &len);
        if (!s)
                return false;
        buf_put(&r->out, s, len);
        free(s);
        return true;
}

int ical_renderer_event(IcalRenderer *r, const IcalEvent *e, const char **ret, size_t *ret_len) {
        Buf *b = &r->out;
        b->len = 0;
        b->oom = false;
        bool ok = true;
        buf_put(b, r->begin, r->begin_len);
        ok = ok && put_prop(r, icalproperty_new_uid(e->uid));
        ok = ok && put_prop(r, icalproperty_new_dtstamp(utc_value(e->stamp)));
        ok = ok && put_prop(r, icalproperty_new_lastmodified(utc_value(e->stamp)));
        if (e->sequence >= 0 && e->sequence <= 3)
                put_fixed(r, FX_SEQ0 + e->sequence);
        else
                ok = ok && put_prop(r, icalproperty_new_sequence(e->sequence));
        put_fixed(r, FX_ORGANIZER);
        for (int k = 0; k < 2 && ok; k++) {
                int arg[2] = {k, (int)e->due + k};
                char key[16];
                size_t kl = (size_t)snprintf(key, sizeof(key), "D%d:%d", k, arg[1]);
                ok = put_memo(r, key, kl, make_date, e, arg);
        }
        if (ok) {
                Buf key = {0};
                buf_puts(&key, "S");
                buf_puts(&key, e->summary);
                ok = !key.oom && put_memo(r, key.data, key.len, make_summary, e, NULL);
                buf_done(&key);
        }
        ok = ok && put_prop(r, text_prop(ICAL_DESCRIPTION_PROPERTY, NULL, e->description));
        put_fixed(r, FX_CAT_SAFETY);
        if (ok) {
                char key[16];
                size_t kl = (size_t)snprintf(key, sizeof(key), "K%d", (int)e->kind);
                ok = put_memo(r, key, kl, make_kind, e, NULL);
        }
        put_fixed(r, FX_STATUS);
        put_fixed(r, FX_TRANSP);
        for (size_t i = 0; i < e->n_alarms && ok; i++) {
                Buf key = {0};
                buf_printf(&key, "A%lld:%d:%s", (long long)e->alarms[i].trigger,
                           e->alarms[i].days_left, e->summary);
                ok = !key.oom && put_memo(r, key.data, key.len, make_alarm, e, &e->alarms[i]);
                buf_done(&key);
        }
        buf_put(b, r->end, r->end_len);
        if (!ok || b->oom)
                return -ENOMEM;
        *ret = b->data;
        if (ret_len)
                *ret_len = b->len;
        return 0;
}

int ical_render_head(const Config *c, const char *calname, char **ret, size_t *ret_len) {
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

int ical_render_feed(const Config *c, const char *calname, const Occurrence *occ,
                     const FeedStatus *st, size_t n, char **ret, size_t *ret_len) {
        Buf b = {0};
        char *s;
        size_t len;
        int r = ical_render_head(c, calname, &s, &len);
        if (r < 0)
                return r;
        buf_put(&b, s, len);
        free(s);
        for (size_t i = 0; i < n; i++) {
                r = ical_render_event(c, &occ[i], st ? &st[i] : NULL, &s, &len);
                if (r < 0) {
                        buf_done(&b);
                        return r;
                }
                buf_put(&b, s, len);
                free(s);
        }
        buf_puts(&b, ICAL_CALENDAR_END);
        len = b.len;
        s = buf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        if (ret_len)
                *ret_len = len;
        return 0;
}
