/* test-httpd.c — the feed server's connection handling on a real loopback socket (httpd.h):
 * a request is answered, a request still incomplete header_timeout after its connection is
 * closed although it keeps sending, one address over its limit makes room from its own oldest
 * idle connection, and httpd_healthy() tells a server whose connections wait untaken. */
#include "testutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include "httpd.h"

#define MSEC UINT64_C(1000)

typedef struct Server {
        sd_event *e;
        Httpd *h;
        struct sockaddr_in addr;
} Server;

static uint64_t mono_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int setup(void **state) {
        Server *s = calloc(1, sizeof(*s));
        assert_non_null(s);
        assert_int_equal(sd_event_new(&s->e), 0);
        ServerConfig cfg = {.listen = (char *)"127.0.0.1:0",
                            .max_connections = 16,
                            .per_ip_connections = 2,
                            .timeout_sec = 30,
                            .header_timeout_sec = 1};
        assert_int_equal(httpd_new(s->e, &cfg, NULL, &s->h), 0);
        char a[80];
        assert_int_equal(httpd_listener_address(s->h, 0, a, sizeof(a)), 0);
        char *colon = strrchr(a, ':');
        assert_non_null(colon);
        s->addr = (struct sockaddr_in){.sin_family = AF_INET,
                                       .sin_port = htons((uint16_t)atoi(colon + 1))};
        assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &s->addr.sin_addr), 1);
        *state = s;
        return 0;
}

static int teardown(void **state) {
        Server *s = *state;
        httpd_free(s->h);
        sd_event_unref(s->e);
        free(s);
        return 0;
}

/* A connected, non-blocking client (the kernel completes the handshake: the listener's queue). */
static int client(Server *s) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&s->addr, sizeof(s->addr)), 0);
        assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
        return fd;
}

static void pump(Server *s, uint64_t usec) {
        uint64_t end = mono_usec() + usec;
        while (mono_usec() < end)
                assert_true(sd_event_run(s->e, 10 * MSEC) >= 0);
}

/* Runs the loop until the client reads something (>0: bytes), the end of the stream (0) or
 * `usec` passed (-1). */
static ssize_t pump_read(Server *s, int fd, char *buf, size_t n, uint64_t usec) {
        uint64_t end = mono_usec() + usec;
        while (mono_usec() < end) {
                assert_true(sd_event_run(s->e, 10 * MSEC) >= 0);
                ssize_t k = recv(fd, buf, n, 0);
                if (k >= 0)
                        return k;
                if (errno == ECONNRESET)
                        return 0;
                assert_true(errno == EAGAIN);
        }
        return -1;
}

static void test_request(void **state) {
        Server *s = *state;
        int fd = client(s);
        const char req[] = "GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
        char buf[512];
        ssize_t k = pump_read(s, fd, buf, sizeof(buf) - 1, 2000 * MSEC);
        assert_true(k > 12);
        buf[k] = 0;
        assert_memory_equal(buf, "HTTP/1.1 404", 12);
        close(fd);
}

/* Closed about 1 s (header_timeout) after connecting, although a header line arrives every
 * 200 ms (the idle timeout, 30 s, never comes into play). */
static void test_header_deadline(void **state) {
        Server *s = *state;
        int fd = client(s);
        uint64_t start = mono_usec();
        const char first[] = "GET / HTTP/1.1\r\n";
        assert_int_equal(send(fd, first, strlen(first), MSG_NOSIGNAL), (ssize_t)strlen(first));
        ssize_t k = -1;
        char buf[512];
        for (int i = 0; i < 20 && k < 0; i++) {
                k = pump_read(s, fd, buf, sizeof(buf), 200 * MSEC);
                if (k < 0)
                        (void)send(fd, "X-A: b\r\n", 8, MSG_NOSIGNAL);
        }
        uint64_t took = mono_usec() - start;
        assert_int_equal(k, 0);
        assert_true(took >= 900 * MSEC);
        assert_true(took < 2500 * MSEC);
        close(fd);
}

/* per_ip_connections 2: a third idle connection from the address closes its first. */
static void test_per_ip(void **state) {
        Server *s = *state;
        int c[3];
        char buf[64];
        for (int i = 0; i < 3; i++) {
                c[i] = client(s);
                pump(s, 50 * MSEC);
        }
        assert_int_equal(pump_read(s, c[0], buf, sizeof(buf), 300 * MSEC), 0);
        assert_int_equal(recv(c[1], buf, sizeof(buf), 0), -1);
        assert_int_equal(errno, EAGAIN);
        assert_int_equal(recv(c[2], buf, sizeof(buf), 0), -1);
        assert_int_equal(errno, EAGAIN);
        for (int i = 0; i < 3; i++)
                close(c[i]);
}

/* Connections waiting in the listener's queue with the loop not running: unhealthy once they
 * have waited longer than the bound; healthy again once taken. */
static void test_healthy(void **state) {
        Server *s = *state;
        assert_true(httpd_healthy(s->h, 50 * MSEC));
        int fd = client(s);
        assert_true(httpd_healthy(s->h, 50 * MSEC)); /* just arrived */
        usleep(120 * 1000);
        assert_false(httpd_healthy(s->h, 50 * MSEC));
        assert_true(httpd_healthy(s->h, 5000 * MSEC)); /* a longer bound */
        pump(s, 50 * MSEC);
        assert_true(httpd_healthy(s->h, 50 * MSEC));
        close(fd);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_request, setup, teardown),
                cmocka_unit_test_setup_teardown(test_header_deadline, setup, teardown),
                cmocka_unit_test_setup_teardown(test_per_ip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_healthy, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
