/* enqueue.c — see enqueue.h. */
#include "enqueue.h"

#include <errno.h>
#include <stdlib.h>

#include "outbox.h"
#include "util.h"

static void route_items_free(RouteItem *items, size_t n) {
        for (size_t i = 0; items && i < n; i++)
                route_item_done(&items[i]);
        free(items);
}

/* The strings of every firing (route_item()). */
static int route_items(const Config *c, const Firing *f, size_t n, const char *const *links,
                       RouteItem **ret) {
        RouteItem *items = calloc(n ? n : 1, sizeof *items);
        if (!items)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int r = route_item(c, &f[i], links ? links[i] : NULL, &items[i]);
                if (r < 0) {
                        route_items_free(items, i);
                        return r;
                }
        }
        *ret = items;
        return 0;
}

/* One request per planned message; *ret_batch holds the items they point to. */
static int plan_requests(const RoutePlan *plan, const RouteItem *items, bool digest,
                         MessageItem **ret_batch, OutboxRequest **ret_reqs) {
        size_t n_batch = 0;
        for (size_t m = 0; m < plan->n; m++)
                n_batch += plan->msgs[m].n_items;
        MessageItem *batch = calloc(n_batch ? n_batch : 1, sizeof *batch);
        OutboxRequest *reqs = calloc(plan->n ? plan->n : 1, sizeof *reqs);
        if (!batch || !reqs) {
                free(batch);
                free(reqs);
                return -ENOMEM;
        }
        n_batch = 0;
        for (size_t m = 0; m < plan->n; m++) {
                const RouteMessage *rm = &plan->msgs[m];
                for (size_t k = 0; k < rm->n_items; k++)
                        batch[n_batch + k] = items[rm->items[k]].item;
                reqs[m] = (OutboxRequest){.channel = rm->channel,
                                          .recipient = rm->recipient,
                                          .items = batch + n_batch,
                                          .n_items = rm->n_items,
                                          .digest = digest,
                                          .mentions = rm->mentions,
                                          .n_mentions = rm->n_mentions};
                n_batch += rm->n_items;
        }
        *ret_batch = batch, *ret_reqs = reqs;
        return 0;
}

int enqueue_firings(Store *s, const Config *c, const Firing *f, size_t n, const char *const *links,
                    bool digest, int64_t now, size_t *ret_queued) {
        RouteItem *items = NULL;
        RoutePlan plan = {0};
        _cleanup_free_ MessageItem *batch = NULL;
        _cleanup_free_ OutboxRequest *reqs = NULL;
        size_t total = 0;
        int r = route_items(c, f, n, links, &items);
        if (r < 0)
                return r;
        r = route_plan(c, f, n, &plan);
        if (r == 0)
                r = plan_requests(&plan, items, digest, &batch, &reqs);
        /* Every message of this moment in one transaction (one fsync), all or none. */
        if (r == 0 && plan.n)
                r = outbox_queue_many(s, c, reqs, plan.n, now, &total);
        if (r == 0 && ret_queued)
                *ret_queued = total;
        route_items_free(items, n);
        route_plan_done(&plan);
        return r;
}
