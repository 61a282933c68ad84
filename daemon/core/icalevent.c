/* icalevent.c — see icalevent.h. */
#include "icalevent.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static void sha256(const void *data, size_t n, unsigned char out[static 32]) {
        unsigned int len = 32;
        if (EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) != 1)
                memset(out, 0, 32); /* cannot fail for SHA-256 short of a broken libcrypto */
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
        ev->due_minute = o->due_minute;
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
static void text_what(Buf *b, const Config *c, const Duty *d) {
        char marks[RULE_MARKS_MAX];
        rule_marks(&d->rule, marks);
        buf_printf(b, "事项：%s（%s）", d->title, duty_kind_to_zh(d->kind));
        if (marks[0])
                buf_printf(b, "\n要求：%s", marks);
        _cleanup_free_ char *scope = duty_scope_text(c, d);
        if (!scope)
                b->oom = true;
        else if (*scope)
                buf_printf(b, "\n适用：%s", scope);
}

static void text_basis(Buf *b, const Config *c, const Duty *d) {
        _cleanup_free_ char *basis = duty_basis_full(c, d);
        buf_puts(b, "\n依据：");
        if (!basis)
                b->oom = true;
        else
                buf_puts(b, basis);
}

static void text_note(Buf *b, const Duty *d) {
        buf_printf(b, "\n备注：%s", d->note);
}

void ical_duty_text(const Config *c, const Duty *d, char kind, Buf *b) {
        if (kind == 'W')
                text_what(b, c, d);
        else if (kind == 'B')
                text_basis(b, c, d);
        else
                text_note(b, d);
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
                buf_printf(b, "%s前%s", c->calendar->holidays[o->holiday].name,
                           c->calendar->holidays[o->holiday].provisional ? "，暂定" : "");
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
        char due[OCCURRENCE_DUE_MAX];
        occurrence_due_text(o, due);
        buf_puts(b, due);
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
 * reminder time, relative to the event's start (the due day's, or the deadline's time). */
static void put_alarms(IcalEvent *ev, const Config *c, const Occurrence *o) {
        Reminder rem[32];
        size_t nr = schedule_reminders(c, o, o->due - 400, o->due, rem, ELEMENTSOF(rem));
        for (size_t i = 0; i < nr && ev->n_alarms < ELEMENTSOF(ev->alarms); i++) {
                if (rem[i].kind != REMIND_UPCOMING && rem[i].kind != REMIND_DUE_TODAY)
                        continue;
                IcalAlarm *a = &ev->alarms[ev->n_alarms++];
                a->trigger = (int64_t)(rem[i].day - o->due) * 86400 +
                             (int64_t)(rem[i].minute - ev->due_minute) * 60;
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
        _cleanup_free_ char *names = people_names(c, holders, nh);
        if (!names)
                b->oom = true; /* event_finish() reports it */
        piece(ev);
        buf_printf(b, "\n责任人：%s%s%s）", names ? names : "", nh ? "（" : "暂无在岗人员（",
                   c->posts[o->post].name);
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
