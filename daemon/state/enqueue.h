/* enqueue.h — reminders firing at one moment into the outbox: route_plan() + route_item() +
 * outbox_queue_many(), all the messages of the moment in one transaction (one fsync), all or
 * none. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "route.h"
#include "store.h"

/* Plans, renders and queues everything for firings at one moment (digest: the catch-up after
 * downtime). links[i] may be NULL, or links itself NULL. *ret_queued = messages inserted. */
int enqueue_firings(Store *s, const Config *c, const Firing *f, size_t n, const char *const *links,
                    bool digest, int64_t now, size_t *ret_queued);
