/* ical.c — see ical.h. */
#include "ical.h"

#include <errno.h>
#include <libical/ical.h>
#include <stdint.h>
#include <string.h>

#include "array.h"
#include "hashmap.h"
#include "util.h"

#define ORGANIZER_ADDRESS "mailto:noreply@dutyd.invalid"
#define PRODID "-//dutyd//dutyd 1.0//ZH"
#define DESCRIPTION_PREFIX "DESCRIPTION:"

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

static void icalcomponent_freep(icalcomponent **c) {
        if (*c)
                icalcomponent_free(*c);
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

/* ---- the renderer: libical output of each distinct text, kept and reused ---- */

/* A memo entry: a key (malloc'd; the map borrows it) and libical's text for it. */
typedef struct MemoEntry {
        char *key;
        size_t key_len;
        char *val;
        size_t len;
} MemoEntry;

typedef struct Memo {
        HashMap map; /* key → index into entries */
        MemoEntry *entries;
        size_t n, cap;
        size_t bytes; /* of keys and values */
} Memo;

static void memo_done(Memo *m) {
        for (size_t i = 0; i < m->n; i++) {
                free(m->entries[i].key);
                free(m->entries[i].val);
        }
        free(m->entries);
        hashmap_done(&m->map);
        *m = (Memo){0};
}

static const MemoEntry *memo_get(const Memo *m, const void *key, size_t key_len) {
        size_t i;
        return hashmap_get(&m->map, key, key_len, &i) ? &m->entries[i] : NULL;
}

/* Takes `val` (malloc'd) in every case. A memo grown past ICAL_RENDERER_MEMO_MAX starts again
 * empty: a renderer kept for many feeds stays bounded. The entry returned is valid until the
 * next put. */
static const MemoEntry *memo_put(Memo *m, const void *key, size_t key_len, char *val, size_t len) {
        if (m->bytes + key_len + len > ICAL_RENDERER_MEMO_MAX)
                memo_done(m);
        char *k = malloc(key_len ? key_len : 1);
        if (k)
                memcpy(k, key, key_len);
        if (!k || ARRAY_GROW(m->entries, m->cap, m->n + 1) < 0 ||
            hashmap_put(&m->map, k, key_len, m->n) < 0) {
                free(k);
                free(val);
                return NULL;
        }
        m->entries[m->n] = (MemoEntry){.key = k, .key_len = key_len, .val = val, .len = len};
        m->bytes += key_len + len;
        return &m->entries[m->n++];
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
static int component_shell(icalcomponent *new_comp, char **begin, size_t *begin_len, char **end,
                           size_t *end_len) {
        _cleanup_(icalcomponent_freep) icalcomponent *comp = new_comp;
        char *s = comp ? icalcomponent_as_ical_string_r(comp) : NULL;
        char *mid = s ? strstr(s, "END:") : NULL;
        if (!mid) {
                int r = s ? -EIO : -ENOMEM;
                free(s);
                return r;
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
        const MemoEntry *s = memo_get(&r->memo, r->key.data, r->key.len);
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

/* The organisation's zone, as the feeds name it (X-WR-TIMEZONE, TZID). */
static const char *zone_name(const Config *c) {
        return c->timezone ? c->timezone : DEFAULT_TIMEZONE;
}

/* DTSTART;TZID=Asia/Shanghai:20261204T120000 (n = day * 1440 + minute). */
static char *make_dtstart(IcalRenderer *r, const MakeArg *a, size_t *len) {
        struct icaltimetype t = date_value((Day)(a->n / 1440));
        t.is_date = 0;
        t.hour = (int)(a->n % 1440) / 60, t.minute = (int)(a->n % 60), t.second = 0;
        icalproperty *p = icalproperty_new_dtstart(t);
        icalparameter *z = icalparameter_new_tzid(zone_name(r->config));
        if (!p || !z) {
                if (p)
                        icalproperty_free(p);
                if (z)
                        icalparameter_free(z);
                return NULL;
        }
        icalproperty_add_parameter(p, z);
        return prop_string(p, len);
}

/* A timed deadline: DTSTART at its time and DURATION:PT0S, the instant of the deadline. Without
 * a DURATION the event would be that instant too (RFC 5545 3.6.1), but khal then shows it as
 * lasting a day; DTEND cannot equal DTSTART. */
static char *make_time(IcalRenderer *r, const MakeArg *a, size_t *len) {
        size_t l1, l2;
        _cleanup_free_ char *s1 = make_dtstart(r, a, &l1);
        _cleanup_free_ char *s2 =
                prop_string(icalproperty_new_duration(icaldurationtype_from_int(0)), &l2);
        return s1 && s2 ? (*len = l1 + l2, strfmt("%s%s", s1, s2)) : NULL;
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
        Buf b = {0};
        ical_duty_text(r->config, &r->config->duties[a->ev->duty], a->kind, &b);
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
        if (e->due_minute > 0) {
                a.n = (int64_t)e->due * 1440 + e->due_minute;
                key_num(r, 'M', a.n);
                ok = ok && put_memo(r, out, make_time, &a);
        }
        for (int k = 0; k < 2 && ok && e->due_minute == 0; k++) {
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

/* The zone's VTIMEZONE, before the events (python-icalendar resolves a TZID only from one it has
 * already read), for the timed deadlines. libical 3.0 names it
 * "/freeassociation.sourceforge.net/Asia/Shanghai", and icaltimezone_set_tzid_prefix("") does
 * not help there (fixed in later libical only); Thunderbird then calls the zone unknown. The
 * one workaround: its TZID is set to the zone's plain name, which DTSTART's TZID uses. */
static int add_zone(icalcomponent *cal, const char *zone) {
        icalcomponent *vtz = icaltzutil_fetch_timezone(zone);
        if (!vtz)
                return -EINVAL; /* the zone was checked when the config was read */
        icalproperty *id = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
        if (id)
                icalproperty_set_tzid(id, zone);
        else if ((id = icalproperty_new_tzid(zone)))
                icalcomponent_add_property(vtz, id);
        else {
                icalcomponent_free(vtz);
                return -ENOMEM;
        }
        icalcomponent_add_component(cal, vtz);
        return 0;
}

int ical_render_head(const Config *c, const char *calname, const char *note, char **ret,
                     size_t *ret_len) {
        bool ok = true;
        _cleanup_(icalcomponent_freep) icalcomponent *cal = icalcomponent_new_vcalendar();
        if (!cal)
                return -ENOMEM;
        int minutes = c->feeds.refresh_minutes > 0 ? c->feeds.refresh_minutes
                                                   : DEFAULT_FEEDS_REFRESH_MINUTES;
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
        add(cal, text_prop(ICAL_X_PROPERTY, "X-WR-TIMEZONE", zone_name(c)), &ok);
        if (c->any_due_time)
                ok = ok && add_zone(cal, zone_name(c)) == 0;
        add(cal, icalproperty_new_refreshinterval(refresh), &ok);
        char *ttl = icaldurationtype_as_ical_string_r(refresh);
        if (!ttl)
                ok = false;
        else {
                add(cal, text_prop(ICAL_X_PROPERTY, "X-PUBLISHED-TTL", ttl), &ok);
                icalmemory_free_buffer(ttl);
        }
        char *s = ok ? icalcomponent_as_ical_string_r(cal) : NULL;
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
