/* items.c — see items.h. */
#include "items.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "channels.h"
#include "duties.h"
#include "people.h"
#include "util.h"

/* The lists as the config names them, in Entity order. */
static const char *const entity_lists[_ENT_MAX + 1] = {"documents", "posts",    "people",
                                                       "duties",    "channels", "routes"};

/* How each list's items are parsed, in Entity order. */
static int (*const parse_fns[_ENT_MAX + 1])(Loader *L, const YNode *n, size_t idx) = {
        parse_document, parse_post, parse_person, parse_duty, parse_channel, parse_route,
};

/* The list of entity `e`'s items in the config: its array, count and item size. */
static void entity_array(Config *c, Entity e, void ***ret_arr, size_t **ret_n, size_t *ret_size) {
        switch (e) {
        case ENT_DOCUMENT:
                *ret_arr = (void **)&c->documents, *ret_n = &c->n_documents;
                *ret_size = sizeof(Document);
                return;
        case ENT_POST:
                *ret_arr = (void **)&c->posts, *ret_n = &c->n_posts, *ret_size = sizeof(Post);
                return;
        case ENT_PERSON:
                *ret_arr = (void **)&c->people, *ret_n = &c->n_people, *ret_size = sizeof(Person);
                return;
        case ENT_DUTY:
                *ret_arr = (void **)&c->duties, *ret_n = &c->n_duties, *ret_size = sizeof(Duty);
                return;
        case ENT_CHANNEL:
                *ret_arr = (void **)&c->channels, *ret_n = &c->n_channels;
                *ret_size = sizeof(Channel);
                return;
        default:
                assert(e == ENT_ROUTE);
                *ret_arr = (void **)&c->routes, *ret_n = &c->n_routes, *ret_size = sizeof(Route);
                return;
        }
}

/* A new zeroed item at the end of entity `e`'s array: its index, or -ENOMEM. */
static ssize_t entity_slot(Loader *L, Entity e) {
        void **arr;
        size_t *n, size;
        entity_array(L->cfg, e, &arr, &n, &size);
        if (array_grow(arr, &L->cap[e], *n + 1, size) < 0)
                return loader_oom(L);
        /* A county's duties fill megabytes: their pages 256 KiB at a time, each as it is
         * reached, rather than a fault for every page. */
        size_t at = *n * size, end = L->cap[e] * size, step = 256 * 1024;
        if (at % step + size > step || at == 0) {
                size_t from = (at + size) / step * step;
                pool_prefault((char *)*arr + at, (from + step < end ? from + step : end) - at);
        }
        memset((char *)*arr + at, 0, size);
        return (ssize_t)(*n)++;
}

/* Frees what item `idx` of entity `e` holds and zeroes it (the array keeps its place). */
static void item_done(Config *c, Entity e, size_t idx) {
        void **arr;
        size_t *n, size;
        entity_array(c, e, &arr, &n, &size);
        void *it = (char *)*arr + idx * size;
        if (e == ENT_DUTY)
                duty_done(it);
        else if (e == ENT_CHANNEL)
                channel_done(it);
        memset(it, 0, size); /* the other items hold pooled memory only */
}

int take_item(Loader *L, Entity e, YTree *t, uint32_t node) {
        ssize_t idx = entity_slot(L, e);
        if (idx < 0)
                return (int)idx;
        L->t = t;
        const YNode *n = ytree_node(t, node);
        int r = e == ENT_ROUTE ? 0 : register_id(L, e, n, (size_t)idx);
        size_t mark = L->diags->n;
        L->defer = false;
        int q = parse_fns[e](L, n, (size_t)idx);
        L->item_id_node = NULL; /* the tree is reused for the next item */
        if (!L->defer)
                return r < 0 ? r : q;
        L->defer = false;
        diags_truncate(L->diags, mark);
        item_done(L->cfg, e, (size_t)idx);
        if (ARRAY_GROW(L->deferred, L->cap_deferred, L->n_deferred + 1) < 0)
                return loader_oom(L);
        Deferred *d = &L->deferred[L->n_deferred];
        *d = (Deferred){.entity = e, .idx = (size_t)idx, .file = L->path};
        int64_t c = ytree_copy(&d->tree, t, node);
        if (c < 0) {
                ytree_done(&d->tree);
                return loader_oom(L);
        }
        d->node = (uint32_t)c;
        L->n_deferred++;
        return r;
}

int list_entity(const char *k) {
        for (int e = 0; e <= ENT_ROUTE; e++)
                if (streq(k, entity_lists[e]))
                        return e;
        return -1;
}

int parse_deferred(Loader *L) {
        int r = 0;
        for (size_t i = 0; i < L->n_deferred; i++) {
                Deferred *d = &L->deferred[i];
                L->path = d->file;
                L->t = &d->tree;
                if (parse_fns[d->entity](L, ytree_node(&d->tree, d->node), d->idx) < 0)
                        r = -EINVAL;
        }
        return r;
}

void trim_arrays(Loader *L) {
        for (Entity e = 0; e <= ENT_ROUTE; e++) {
                void **arr;
                size_t *n, size;
                entity_array(L->cfg, e, &arr, &n, &size);
                void *na = *n ? reallocarray(*arr, *n, size) : NULL;
                if (na) {
                        *arr = na;
                        L->cap[e] = *n;
                }
        }
}
