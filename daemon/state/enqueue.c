/* enqueue.c — see enqueue.h. */
#include "enqueue.h"

#include <errno.h>
#include <stdlib.h>

#include "outbox.h"

int enqueue_firings(Store *s, const Config *c, const Firing *f, size_t n, const char *const *links,
                    bool digest, int64_t now, size_t *ret_queued) {
        RoutePlan plan = {0};
        RouteItem *items = calloc(n ? n : 1, sizeof *items);
        MessageItem *batch = NULL;
        OutboxRequest *reqs = NULL;
        size_t total = 0, done_items = 0, n_batch = 0;
        int r = -ENOMEM;
        if (!items)
                goto out;
        for (; done_items < n; done_items++) {
                r = route_item(c, &f[done_items], links ? links[done_items] : NULL,
                               &items[done_items]);
                if (r < 0)
                        goto out;
        }
        r = route_plan(c, f, n, &plan);
        if (r < 0)
                goto out;
        /* Every message of this moment in one transaction (one fsync), all or none. */
        for (size_t m = 0; m < plan.n; m++)
                n_batch += plan.msgs[m].n_items;
        r = -ENOMEM;
        batch = calloc(n_batch ? n_batch : 1, sizeof *batch);
        reqs = calloc(plan.n ? plan.n : 1, sizeof *reqs);
        if (!batch || !reqs)
                goto out;
        n_batch = 0;
        for (size_t m = 0; m < plan.n; m++) {
                const RouteMessage *rm = &plan.msgs[m];
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
        r = plan.n ? outbox_queue_many(s, c, reqs, plan.n, now, &total) : 0;
        if (r < 0)
                goto out;
        if (ret_queued)
                *ret_queued = total;
        r = 0;
out:
        for (size_t i = 0; items && i < done_items; i++)
                route_item_done(&items[i]);
        free(items);
        free(batch);
        free(reqs);
        route_plan_done(&plan);
        return r;
}
