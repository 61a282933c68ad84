/* test-admission.c — which connections the feed server keeps (admission.h): limits per peer and
 * in all, who makes room, the request-header deadline, peers' keys, forgetting idle peers. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "admission.h"

#define SEC UINT64_C(1000000)

static struct sockaddr_in v4(const char *a) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(40000)};
        assert_int_equal(inet_pton(AF_INET, a, &sa.sin_addr), 1);
        return sa;
}

static struct sockaddr_in6 v6(const char *a) {
        struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(40000)};
        assert_int_equal(inet_pton(AF_INET6, a, &sa.sin6_addr), 1);
        return sa;
}

static int admit4(Admission *a, const char *addr, int fd, uint64_t now, AdmissionConn **c,
                  AdmissionConn **evicted) {
        struct sockaddr_in sa = v4(addr);
        return admission_admit(a, (struct sockaddr *)&sa, sizeof(sa), fd, now, c, evicted);
}

static int admit6(Admission *a, const char *addr, int fd, uint64_t now, AdmissionConn **c,
                  AdmissionConn **evicted) {
        struct sockaddr_in6 sa = v6(addr);
        return admission_admit(a, (struct sockaddr *)&sa, sizeof(sa), fd, now, c, evicted);
}

static Admission *new_admission(size_t max, size_t per_ip, uint64_t timeout) {
        Admission *a = NULL;
        AdmissionLimits l = {.max = max, .per_ip = per_ip, .header_timeout_usec = timeout};
        assert_int_equal(admission_new(&l, &a), 0);
        return a;
}

/* Over its limit, a peer makes room from its own oldest waiting connection; with all of them
 * busy it is refused; other peers are not affected. */
static void test_per_peer(void **state) {
        (void)state;
        Admission *a = new_admission(100, 2, 10 * SEC);
        AdmissionConn *c[4], *ev;
        assert_int_equal(admit4(a, "10.0.0.1", 11, 1, &c[0], &ev), 0);
        assert_null(ev);
        assert_int_equal(admit4(a, "10.0.0.1", 12, 2, &c[1], &ev), 0);
        assert_null(ev);
        assert_int_equal(admit4(a, "10.0.0.1", 13, 3, &c[2], &ev), 0);
        assert_ptr_equal(ev, c[0]); /* the oldest waiting one of that peer */
        assert_int_equal(admission_conn_fd(ev), 11);
        assert_int_equal(admission_count(a), 2);
        admission_release(a, c[0]);
        /* Both busy: refused. */
        admission_busy(a, c[1]);
        admission_busy(a, c[2]);
        assert_int_equal(admit4(a, "10.0.0.1", 14, 4, &c[3], &ev), -EDQUOT);
        assert_int_equal(admission_count(a), 2);
        /* Another address is its own peer. */
        assert_int_equal(admit4(a, "10.0.0.2", 15, 5, &c[3], &ev), 0);
        assert_null(ev);
        /* A response sent: the connection waits again (keep-alive) and may make room. */
        admission_idle(a, c[2], 6);
        AdmissionConn *d;
        assert_int_equal(admit4(a, "10.0.0.1", 16, 7, &d, &ev), 0);
        assert_ptr_equal(ev, c[2]);
        admission_release(a, c[2]);
        admission_release(a, c[1]);
        admission_release(a, c[3]);
        admission_release(a, d);
        admission_release(a, NULL);
        assert_int_equal(admission_count(a), 0);
        admission_free(a);
}

/* Full: the oldest waiting connection of any peer makes room; all busy: refused. */
static void test_global(void **state) {
        (void)state;
        Admission *a = new_admission(3, 8, 10 * SEC);
        AdmissionConn *c[3], *d, *ev;
        assert_int_equal(admit4(a, "10.0.0.1", 11, 1, &c[0], &ev), 0);
        assert_int_equal(admit4(a, "10.0.0.2", 12, 2, &c[1], &ev), 0);
        assert_int_equal(admit4(a, "10.0.0.3", 13, 3, &c[2], &ev), 0);
        admission_busy(a, c[0]); /* a request in progress is never evicted */
        assert_int_equal(admit4(a, "10.0.0.4", 14, 4, &d, &ev), 0);
        assert_ptr_equal(ev, c[1]);
        assert_int_equal(admission_count(a), 3);
        /* An evicted connection counts no more; releasing it later changes nothing. */
        admission_release(a, c[1]);
        assert_int_equal(admission_count(a), 3);
        admission_busy(a, c[2]);
        admission_busy(a, d);
        AdmissionConn *e;
        assert_int_equal(admit4(a, "10.0.0.5", 15, 5, &e, &ev), -ENOSPC);
        /* Freed with connections still known: no leak (ASan). */
        admission_free(a);
        admission_free(NULL);
}

/* Waiting connections expire oldest first, header_timeout after their wait began; a busy one
 * never; an idle one again from the end of its response. */
static void test_expiry(void **state) {
        (void)state;
        Admission *a = new_admission(10, 10, 5 * SEC);
        AdmissionConn *c[3], *ev;
        assert_int_equal(admission_next_expiry(a), UINT64_MAX);
        assert_null(admission_expire(a, 100 * SEC));
        assert_int_equal(admit4(a, "10.0.0.1", 11, 1 * SEC, &c[0], &ev), 0);
        assert_int_equal(admit4(a, "10.0.0.2", 12, 2 * SEC, &c[1], &ev), 0);
        assert_int_equal(admit4(a, "10.0.0.3", 13, 3 * SEC, &c[2], &ev), 0);
        assert_int_equal(admission_next_expiry(a), 6 * SEC);
        admission_busy(a, c[0]);
        assert_int_equal(admission_next_expiry(a), 7 * SEC);
        assert_null(admission_expire(a, 7 * SEC - 1));
        assert_ptr_equal(admission_expire(a, 7 * SEC), c[1]);
        assert_null(admission_expire(a, 7 * SEC));
        assert_int_equal(admission_count(a), 2);
        admission_idle(a, c[0], 9 * SEC); /* waits again, behind c[2] */
        assert_ptr_equal(admission_expire(a, 20 * SEC), c[2]);
        assert_ptr_equal(admission_expire(a, 20 * SEC), c[0]);
        assert_null(admission_expire(a, 20 * SEC));
        assert_int_equal(admission_count(a), 0);
        /* Told again of a connection that no longer counts: nothing happens. */
        admission_busy(a, c[0]);
        admission_idle(a, c[0], 21 * SEC);
        assert_int_equal(admission_next_expiry(a), UINT64_MAX);
        for (int i = 0; i < 3; i++)
                admission_release(a, c[i]);
        admission_free(a);
}

/* IPv6 peers are /64s, an IPv4-mapped address is the IPv4 peer, other families one peer. */
static void test_keys(void **state) {
        (void)state;
        Admission *a = new_admission(100, 1, 10 * SEC);
        AdmissionConn *c, *d, *ev;
        assert_int_equal(admit6(a, "2001:db8:1:2::1", 1, 1, &c, &ev), 0);
        assert_int_equal(admit6(a, "2001:db8:1:2:ffff::9", 2, 2, &d, &ev), 0);
        assert_ptr_equal(ev, c); /* the same /64 */
        admission_release(a, c);
        assert_int_equal(admit6(a, "2001:db8:1:3::1", 3, 3, &c, &ev), 0);
        assert_null(ev);
        admission_release(a, c);
        admission_release(a, d);
        assert_int_equal(admit4(a, "192.0.2.7", 4, 4, &c, &ev), 0);
        assert_int_equal(admit6(a, "::ffff:192.0.2.7", 5, 5, &d, &ev), 0);
        assert_ptr_equal(ev, c);
        admission_release(a, c);
        admission_release(a, d);
        struct {
                sa_family_t family;
                char path[8];
        } un = {AF_UNIX, "x"};
        assert_int_equal(admission_admit(a, (struct sockaddr *)&un, sizeof(un), 6, 6, &c, &ev), 0);
        assert_int_equal(admission_admit(a, NULL, 0, 7, 7, &d, &ev), 0);
        assert_ptr_equal(ev, c);
        admission_release(a, c);
        admission_release(a, d);
        admission_free(a);
}

/* Many addresses come and go: those without connections are forgotten, those with keep their
 * count. */
static void test_many_peers(void **state) {
        (void)state;
        Admission *a = new_admission(100000, 1, 10 * SEC);
        AdmissionConn *keep[3], *c, *ev;
        assert_int_equal(admit4(a, "10.1.0.1", 1, 1, &keep[0], &ev), 0);
        assert_int_equal(admit4(a, "10.1.0.2", 2, 1, &keep[1], &ev), 0);
        assert_int_equal(admit4(a, "10.1.0.3", 3, 1, &keep[2], &ev), 0);
        for (int i = 0; i < 5000; i++) {
                char addr[32];
                snprintf(addr, sizeof(addr), "10.2.%d.%d", i / 250, i % 250 + 1);
                assert_int_equal(admit4(a, addr, 100 + i, 2, &c, &ev), 0);
                assert_null(ev);
                admission_release(a, c);
        }
        assert_int_equal(admission_count(a), 3);
        for (int i = 0; i < 3; i++) {
                char addr[32];
                snprintf(addr, sizeof(addr), "10.1.0.%d", i + 1);
                assert_int_equal(admit4(a, addr, 10, 3, &c, &ev), 0);
                assert_ptr_equal(ev, keep[i]); /* still known: over its limit of 1 */
                admission_release(a, keep[i]);
                keep[i] = c;
        }
        admission_free(a);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_per_peer),   cmocka_unit_test(test_global),
                cmocka_unit_test(test_expiry),     cmocka_unit_test(test_keys),
                cmocka_unit_test(test_many_peers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
