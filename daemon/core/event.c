/* event.c — see event.h. */
#include "event.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "array.h"
#include "eventclock.h"
#include "util.h"

int event_names(const Config *c, const char ***ret, size_t *ret_n) {
        const char **v = calloc(c->n_duties ? c->n_duties : 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < c->n_duties; i++) {
                const char *e = c->duties[i].event;
                bool seen = false;
                for (size_t j = 0; e && j < n; j++)
                        seen |= streq(v[j], e);
                if (e && !seen)
                        v[n++] = e;
        }
        *ret = v, *ret_n = n;
        return 0;
}

/* The firings of one duty's post: one, or one per holder of a per_holder duty. */
static int plan_post(const Config *c, size_t d, size_t k, Day today, const Reminder *rem,
                     Firing **f, size_t *n, size_t *cap) {
        const Duty *duty = &c->duties[d];
        size_t h[MAX_POST_HOLDERS];
        size_t nh = duty->per_holder
                            ? config_post_holders(c, duty->posts[k], today, h, MAX_POST_HOLDERS)
                            : 0;
        for (size_t j = 0; j < (nh ? nh : 1); j++) {
                if (ARRAY_GROW(*f, *cap, *n + 1) < 0)
                        return -ENOMEM;
                (*f)[(*n)++] = (Firing){.occ = {.duty = (uint32_t)d,
                                                .post = (uint32_t)duty->posts[k],
                                                .person = nh ? (int32_t)h[j] : -1,
                                                .holiday = -1,
                                                .period_start = today,
                                                .period_end = today,
                                                .checkpoint = 1,
                                                .of = 1,
                                                .required = 1,
                                                .nominal = today,
                                                .due = today},
                                        .rem = *rem};
        }
        return 0;
}

int event_plan(const Config *c, const char *event, const char *level, Day today, int minute,
               int64_t seq, Firing **ret, size_t *ret_n) {
        Firing *f = NULL;
        size_t n = 0, cap = 0;
        Reminder rem = {.kind = REMIND_EVENT, .day = today, .minute = minute};
        snprintf(rem.step, sizeof(rem.step), "ev-%" PRId64, seq);
        int r = 0;
        for (size_t d = 0; r == 0 && d < c->n_duties; d++) {
                const Duty *duty = &c->duties[d];
                if (!eventclock_applies(duty, event, level))
                        continue;
                for (size_t k = 0; r == 0 && k < duty->n_posts; k++)
                        r = plan_post(c, d, k, today, &rem, &f, &n, &cap);
        }
        if (r == 0 && n == 0)
                r = -ENOENT;
        if (r < 0) {
                free(f);
                return r;
        }
        *ret = f, *ret_n = n;
        return 0;
}
