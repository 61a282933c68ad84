/* admission.h — which connections the HTTP server keeps: limits per address and in all, the
 * deadline of a request's headers, and who makes room when the server is full.
 * Contract:
 *  - Bookkeeping only: no I/O and no clock (the caller passes "now", µs of a monotonic clock);
 *    a connection carries the caller's socket, which the caller closes when told to.
 *  - A connection is *waiting* from its admission until its request's headers are complete
 *    (admission_busy), and again after each response (admission_idle: keep-alive); it is
 *    *busy* in between. Only a waiting connection is ever evicted or expires.
 *  - admission_admit(): connections are counted per peer (an IPv4 address; an IPv6 address by
 *    its /64, an IPv4-mapped one as IPv4; any other family is one peer) against `per_ip`, and
 *    all of them against `max`. Over a limit, the oldest waiting connection — of that peer for
 *    its limit, of all for `max` — is handed back to be closed and the newcomer is admitted;
 *    with none waiting, the newcomer is refused (-EDQUOT per peer, -ENOSPC in all).
 *  - admission_expire(): the next waiting connection whose wait began `header_timeout` or
 *    longer ago, oldest first (admission_next_expiry(): when the next one will be due).
 *  - An evicted or expired connection counts no more; it stays allocated until the caller
 *    calls admission_release() for it, as for any connection once its socket is gone. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct Admission Admission;
typedef struct AdmissionConn AdmissionConn;

typedef struct AdmissionLimits {
        size_t max;
        size_t per_ip;
        uint64_t header_timeout_usec;
} AdmissionLimits;

int admission_new(const AdmissionLimits *limits, Admission **ret);
/* Frees every connection still known too. */
Admission *admission_free(Admission *a);

/* 0 with *ret (and *evicted: NULL, or a connection to close now), -EDQUOT, -ENOSPC or
 * -ENOMEM. */
int admission_admit(Admission *a, const struct sockaddr *peer, socklen_t peer_len, int fd,
                    uint64_t now, AdmissionConn **ret, AdmissionConn **evicted);
void admission_busy(Admission *a, AdmissionConn *c);
void admission_idle(Admission *a, AdmissionConn *c, uint64_t now);
AdmissionConn *admission_expire(Admission *a, uint64_t now);
uint64_t admission_next_expiry(const Admission *a); /* UINT64_MAX: nothing waits */
void admission_release(Admission *a, AdmissionConn *c);

int admission_conn_fd(const AdmissionConn *c);
size_t admission_count(const Admission *a); /* connections that count */
