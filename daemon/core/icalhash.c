/* icalhash.c — see icalhash.h. */
#include "icalhash.h"

#include <string.h>

#include "util.h"

#define HASH_SEED FNV1A64_BASIS

uint64_t ical_hash_mix(uint64_t h, uint64_t v) {
        unsigned char le[8];
        for (int i = 0; i < 8; i++)
                le[i] = (unsigned char)(v >> (8 * i));
        return fnv1a64(h, le, sizeof(le));
}

uint64_t ical_hash_str(uint64_t h, const char *s) {
        if (!s)
                return ical_hash_mix(h, UINT64_MAX);
        size_t n = strlen(s);
        return fnv1a64(ical_hash_mix(h, n), s, n);
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
        h = ical_hash_mix(h, y->provisional); /* its events say 暂定 */
        h = fnv1a64(h, y->off, sizeof(y->off));
        h = fnv1a64(h, y->work, sizeof(y->work));
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
