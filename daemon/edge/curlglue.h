/* curlglue.h — one curl multi on an sd_event loop (after systemd's src/import/curl-util.c), with
 * its connection cache, a share of TLS sessions and a pool of easy handles.
 * Contract: never blocks the loop. sd-event sources watch curl's sockets and its timer (curl's
 * "at once" is a defer source, run after the sockets' events of a loop iteration, where a timer
 * would reprogram the kernel's timerfd for every new transfer); after curl made progress the
 * glue calls `progress`, whose owner takes the completed transfers with curl_glue_next_done()
 * and removes them (curl_glue_remove()). The glue opens and closes curl's connection sockets
 * itself (set on every handle by curl_glue_add()): a socket's source lives as long as the socket,
 * so a keep-alive connection's next transfer needs no new source and no epoll change.
 * One multi: its connection cache is shared by every transfer; multiplexing is on (an HTTP/2
 * receiver gets one connection for all its transfers), at most `max_in_flight` connections a
 * host, twice that many kept open between batches.
 * Pooled easy handles (at most `max_in_flight` idle) carry the options every transfer shares:
 * the TLS session share, http and https only, the user agent, no signals. Each use sets every
 * other option it needs, so a handle needs no reset between transfers. Returns 0 or a negative
 * errno. */
#pragma once
#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

typedef struct CurlGlue CurlGlue;

typedef void (*CurlGlueProgress)(void *userdata);

int curl_glue_new(sd_event *e, size_t max_in_flight, CurlGlueProgress progress, void *userdata,
                  CurlGlue **ret);
/* Every handle must have been removed first. */
CurlGlue *curl_glue_free(CurlGlue *g);

/* A handle from the pool, or a new one; NULL when out of memory. */
CURL *curl_glue_easy_get(CurlGlue *g);
/* Back to the pool (its connection stays in the multi's cache); NULL is ignored. */
void curl_glue_easy_put(CurlGlue *g, CURL *e);
/* Lets a handle made elsewhere (mail.h) resume the TLS sessions of the pool's. */
void curl_glue_share(CurlGlue *g, CURL *e);

int curl_glue_add(CurlGlue *g, CURL *e);
void curl_glue_remove(CurlGlue *g, CURL *e);
/* The next completed transfer and its result; false when there is none. */
bool curl_glue_next_done(CurlGlue *g, CURL **ret, CURLcode *ret_result);

/* For _cleanup_(): a URL handle, a string libcurl allocated. */
static inline void curl_urlp(CURLU **u) {
        curl_url_cleanup(*u);
}
static inline void curl_freep(char **s) {
        curl_free(*s);
}
