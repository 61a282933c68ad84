/* route.c — see route.h. */
#include "route.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "util.h"

static bool in_list(const size_t *v, size_t n, size_t x) {
        for (size_t i = 0; i < n; i++)
                if (v[i] == x)
                        return true;
        return false;
}

static int add_mention(RouteMessage *m, const char *mobile) {
        for (size_t i = 0; i < m->n_mentions; i++)
                if (streq(m->mentions[i], mobile))
                        return 0;
        if (ARRAY_GROW(m->mentions, m->cap_mentions, m->n_mentions + 1) < 0 ||
            !(m->mentions[m->n_mentions] = strdup(mobile)))
                return -ENOMEM;
        m->n_mentions++;
        return 0;
}

static RouteMessage *get_msg(RoutePlan *p, size_t channel, const char *recipient) {
        for (size_t i = 0; i < p->n; i++)
                if (p->msgs[i].channel == channel && streq(p->msgs[i].recipient, recipient))
                        return &p->msgs[i];
        if (ARRAY_GROW(p->msgs, p->cap, p->n + 1) < 0)
                return NULL;
        RouteMessage *m = &p->msgs[p->n];
        *m = (RouteMessage){.channel = channel, .recipient = strdup(recipient)};
        if (!m->recipient)
                return NULL;
        p->n++;
        return m;
}

static int add(RoutePlan *p, size_t channel, const char *recipient, size_t item,
               const char *mention) {
        RouteMessage *m = get_msg(p, channel, recipient);
        if (!m)
                return -ENOMEM;
        if (!in_list(m->items, m->n_items, item)) {
                if (ARRAY_GROW(m->items, m->cap_items, m->n_items + 1) < 0)
                        return -ENOMEM;
                m->items[m->n_items++] = item;
        }
        if (mention && *mention)
                return add_mention(m, mention);
        return 0;
}

static ssize_t first_smtp(const Config *c, const Route *rt) {
        for (size_t i = 0; rt && i < rt->n_channels; i++)
                if (c->channels[rt->channels[i]].type == CHANNEL_SMTP)
                        return (ssize_t)rt->channels[i];
        for (size_t i = 0; i < c->n_channels; i++)
                if (c->channels[i].type == CHANNEL_SMTP)
                        return (ssize_t)i;
        return -1;
}

/* Told posts and their holders on the reminder day. */
static size_t told(const Config *c, const Firing *f, size_t *posts, size_t max_posts,
                   size_t *people, size_t *n_people) {
        size_t np = 0;
        posts[np++] = f->occ.post;
        if (f->rem.kind == REMIND_ESCALATION) {
                const Post *p = &c->posts[f->occ.post];
                for (size_t i = 0; i < p->n_escalate_to && np < max_posts; i++)
                        if (!in_list(posts, np, p->escalate_to[i]))
                                posts[np++] = p->escalate_to[i];
        }
        size_t n = occurrence_holders(c, &f->occ, f->rem.day, people, MAX_POST_HOLDERS);
        for (size_t i = 1; i < np; i++) {
                size_t tmp[MAX_POST_HOLDERS];
                size_t k = config_post_holders(c, posts[i], f->rem.day, tmp, MAX_POST_HOLDERS);
                for (size_t j = 0; j < k && n < MAX_POST_HOLDERS; j++)
                        if (!in_list(people, n, tmp[j]))
                                people[n++] = tmp[j];
        }
        *n_people = n;
        return np;
}

static int plan_one(const Config *c, const Firing *f, size_t idx, RoutePlan *p) {
        size_t posts[MAX_POST_HOLDERS], people[MAX_POST_HOLDERS], n_people;
        size_t n_posts = told(c, f, posts, MAX_POST_HOLDERS, people, &n_people);
        const Duty *d = &c->duties[f->occ.duty];
        int r;

        for (size_t ri = 0; ri < c->n_routes; ri++) {
                const Route *rt = &c->routes[ri];
                if (rt->n_duties && !in_list(rt->duties, rt->n_duties, f->occ.duty))
                        continue;
                bool kind_ok = !rt->n_kinds;
                for (size_t k = 0; k < rt->n_kinds; k++)
                        kind_ok = kind_ok || rt->kinds[k] == d->kind;
                if (!kind_ok)
                        continue;
                bool post_ok = !rt->n_posts;
                for (size_t k = 0; k < n_posts; k++)
                        post_ok = post_ok || in_list(rt->posts, rt->n_posts, posts[k]);
                if (!post_ok)
                        continue;
                for (size_t k = 0; k < rt->n_channels; k++) {
                        size_t ci = rt->channels[k];
                        const Channel *ch = &c->channels[ci];
                        if (ch->type == CHANNEL_SMTP) {
                                for (size_t t = 0; t < ch->n_to; t++)
                                        if ((r = add(p, ci, ch->to[t], idx, NULL)) < 0)
                                                return r;
                                continue;
                        }
                        if ((r = add(p, ci, "", idx, NULL)) < 0)
                                return r;
                        if (rt->mention &&
                            (ch->type == CHANNEL_WECOM || ch->type == CHANNEL_DINGTALK))
                                for (size_t h = 0; h < n_people; h++)
                                        if (c->people[people[h]].mobile &&
                                            (r = add(p, ci, "", idx, c->people[people[h]].mobile)) <
                                                    0)
                                                return r;
                }
                if (rt->holders_email) {
                        ssize_t mi = first_smtp(c, rt);
                        for (size_t h = 0; mi >= 0 && h < n_people; h++)
                                if (c->people[people[h]].email &&
                                    (r = add(p, (size_t)mi, c->people[people[h]].email, idx,
                                             NULL)) < 0)
                                        return r;
                }
        }
        /* Each holder's own channels. */
        for (size_t h = 0; h < n_people; h++) {
                const Person *pe = &c->people[people[h]];
                for (size_t k = 0; k < pe->n_channels; k++) {
                        size_t ci = pe->channels[k];
                        const Channel *ch = &c->channels[ci];
                        if (ch->type == CHANNEL_SMTP) {
                                if (pe->email && (r = add(p, ci, pe->email, idx, NULL)) < 0)
                                        return r;
                        } else if ((r = add(p, ci, "", idx,
                                            ch->type == CHANNEL_WECOM ||
                                                            ch->type == CHANNEL_DINGTALK
                                                    ? pe->mobile
                                                    : NULL)) < 0)
                                return r;
                }
        }
        return 0;
}

void route_plan_done(RoutePlan *p) {
        for (size_t i = 0; p && i < p->n; i++) {
                free(p->msgs[i].recipient);
                free(p->msgs[i].items);
                for (size_t k = 0; k < p->msgs[i].n_mentions; k++)
                        free(p->msgs[i].mentions[k]);
                free(p->msgs[i].mentions);
        }
        if (p) {
                free(p->msgs);
                *p = (RoutePlan){0};
        }
}

int route_plan(const Config *c, const Firing *f, size_t n, RoutePlan *ret) {
        RoutePlan p = {0};
        for (size_t i = 0; i < n; i++) {
                int r = plan_one(c, &f[i], i, &p);
                if (r < 0) {
                        route_plan_done(&p);
                        return r;
                }
        }
        *ret = p;
        return 0;
}

static TemplateKind template_of(ReminderKind k) {
        switch (k) {
        case REMIND_UPCOMING: return TEMPLATE_UPCOMING;
        case REMIND_DUE_TODAY: return TEMPLATE_DUE_TODAY;
        case REMIND_OVERDUE: return TEMPLATE_OVERDUE;
        case REMIND_EVENT: return TEMPLATE_EVENT;
        default: return TEMPLATE_ESCALATION;
        }
}

void route_item_done(RouteItem *it) {
        if (!it)
                return;
        free(it->holders);
        free(it->basis);
        free(it->title);
        it->holders = it->basis = it->title = NULL;
}

int route_item(const Config *c, const Firing *f, const char *link, RouteItem *ret) {
        const Duty *d = &c->duties[f->occ.duty];
        size_t people[MAX_POST_HOLDERS];
        size_t n = occurrence_holders(c, &f->occ, f->rem.day, people, MAX_POST_HOLDERS);
        *ret = (RouteItem){0};
        ret->holders = people_names(c, people, n);
        ret->basis = duty_basis_full(c, d);
        ret->title = duty_title_marked(d);
        if (!ret->holders || !ret->basis || !ret->title) {
                route_item_done(ret);
                return -ENOMEM;
        }
        occurrence_id(c, &f->occ, ret->occurrence, sizeof ret->occurrence);
        occurrence_period_id(c, &f->occ, ret->period, sizeof ret->period);
        occurrence_due_text(&f->occ, ret->due);
        ret->item = (MessageItem){
                /* An event clock's reminder says its time left or how late it is in the note
                 * (minutes, not days): the urgent template, whoever it goes to. */
                .kind = f->occ.event ? TEMPLATE_EVENT : template_of(f->rem.kind),
                .occurrence = ret->occurrence,
                .step = f->rem.step,
                .duty = d->id,
                .title = ret->title,
                .kind_zh = duty_kind_to_zh(d->kind),
                .post = c->posts[f->occ.post].name,
                .holders = ret->holders,
                .due = ret->due,
                .days = f->rem.days,
                .period = ret->period,
                .checkpoint = f->occ.checkpoint,
                .of = f->occ.of,
                .basis = *ret->basis ? ret->basis : NULL,
                .link = link,
                .note = f->note,
        };
        return 0;
}
