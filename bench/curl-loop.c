/* curl-loop URL N INFLIGHT: libcurl alone, N POSTs of a webhook-sized body over keep-alive with
 * INFLIGHT transfers on one multi (its own poll loop; no signing, no JSON, no SQLite, no event
 * loop of ours), easy handles reused; prints the rate. bench/delivery.sh's second peer: the most
 * any sender built on libcurl gets out of this machine beside the receiver. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char body[] =
        "{\"version\":1,\"delivery_id\":\"0123456789abcdef0123456789abcdef\",\"channel\":\"hk\","
        "\"kind\":\"upcoming\",\"items\":[{\"occurrence\":\"d1:p1:2026-Q4:1\",\"title\":\"例会\","
        "\"due\":\"2026-12-31\"}],\"text\":\"【大栗港镇·安全生产履职提醒】镇长：例会还剩7天\"}";

static size_t discard(char *p, size_t size, size_t n, void *userdata) {
        (void)p, (void)userdata;
        return size * n;
}

static CURL *transfer_new(const char *url, struct curl_slist *headers) {
        CURL *e = curl_easy_init();
        if (!e || curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK) {
                fprintf(stderr, "curl-loop: cannot set up a transfer\n");
                exit(1);
        }
        return e;
}

/* One finished transfer: 200 or the run fails. */
static void check_done(CURLMsg *msg) {
        long code = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        if (msg->data.result != CURLE_OK || code != 200) {
                fprintf(stderr, "curl-loop: %s, HTTP %ld\n", curl_easy_strerror(msg->data.result),
                        code);
                exit(1);
        }
}

int main(int argc, char **argv) {
        if (argc != 4 || atoi(argv[2]) < 1 || atoi(argv[3]) < 1) {
                fprintf(stderr, "usage: curl-loop URL N INFLIGHT\n");
                return 2;
        }
        int n = atoi(argv[2]), inflight = atoi(argv[3]), started = 0, done = 0;
        curl_global_init(CURL_GLOBAL_DEFAULT);
        CURLM *m = curl_multi_init();
        struct curl_slist *h =
                curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
        h = curl_slist_append(h, "Expect:");
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (; started < inflight && started < n; started++)
                curl_multi_add_handle(m, transfer_new(argv[1], h));
        while (done < n) {
                int running, left;
                curl_multi_perform(m, &running);
                for (CURLMsg *msg; (msg = curl_multi_info_read(m, &left));) {
                        if (msg->msg != CURLMSG_DONE)
                                continue;
                        CURL *e = msg->easy_handle;
                        check_done(msg);
                        done++;
                        curl_multi_remove_handle(m, e);
                        if (started < n && ++started)
                                curl_multi_add_handle(m, e); /* reused, as the sender does */
                        else
                                curl_easy_cleanup(e);
                }
                if (done < n)
                        curl_multi_poll(m, NULL, 0, 1000, NULL);
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("%.0f\n", n / ((double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9));
        curl_multi_cleanup(m);
        curl_slist_free_all(h);
        return 0;
}
