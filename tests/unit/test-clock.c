/* test-clock.c — the one injectable clock (clock.h). Each case runs in a child process, since
 * the clock reads $DUTYD_CLOCK once per process. */
#include <sys/wait.h>

#include "testutil.h"

#include "clock.h"
#include "tz.h"

typedef void (*Check)(void);

/* Runs `check` in a child with DUTYD_CLOCK=value and the zone Asia/Shanghai; asserts it passed. */
static void in_child(const char *value, Check check) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (value)
                        setenv("DUTYD_CLOCK", value, 1);
                else
                        unsetenv("DUTYD_CLOCK");
                (void)tz_use("Asia/Shanghai");
                check();
                _exit(0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* The real time in seconds from the clock clock.c reads. time(NULL) reads the coarse clock, which
 * can still show the previous second for a few milliseconds after CLOCK_REALTIME has moved on. */
static time_t real_now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return ts.tv_sec;
}

#define EXPECT(cond)                                                               \
        do {                                                                       \
                if (!(cond)) {                                                     \
                        fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
                        _exit(1);                                                  \
                }                                                                  \
        } while (0)

static void real_clock(void) {
        time_t before = real_now();
        time_t now = clock_now();
        EXPECT(now >= before && now <= real_now());
        EXPECT(clock_scale() == 1.0);
        EXPECT(clock_real_usec(12345) == 12345);
        EXPECT(clock_error() == NULL);
}

static void day_is_noon(void) {
        time_t now = clock_now();
        EXPECT(tz_day(now) == day_from_ymd(2028, 2, 29));
        EXPECT(tz_minute(now) == 12 * 60);
}

static void local_time_runs(void) {
        time_t now = clock_now();
        EXPECT(now == tz_instant(day_from_ymd(2026, 12, 31), 23 * 60 + 59) + 30 ||
               now == tz_instant(day_from_ymd(2026, 12, 31), 23 * 60 + 59) + 31);
        /* The real instant at which the clock shows one minute later is ~60 s from now. */
        int64_t real = clock_real_usec((int64_t)(now + 60) * USEC_PER_SEC_I64);
        int64_t delta = real / USEC_PER_SEC_I64 - (int64_t)real_now();
        EXPECT(delta >= 58 && delta <= 61);
}

static void faster(void) {
        int64_t a = clock_now_usec();
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL); /* 20 ms real = 12 s at ×600 */
        int64_t b = clock_now_usec();
        EXPECT(clock_scale() == 600.0);
        EXPECT(b - a >= 11 * USEC_PER_SEC_I64);
        /* Started at the real time of the first reading. */
        EXPECT(a / USEC_PER_SEC_I64 - (int64_t)real_now() <= 1);
}

static void anchored(void) {
        /* Anchored 100 real seconds ago at ×10: the clock is ~1000 s ahead of the real one. */
        int64_t ahead = clock_now() - real_now();
        EXPECT(ahead >= 895 && ahead <= 920);
}

static void malformed(void) {
        EXPECT(clock_error() != NULL);
        time_t before = real_now();
        EXPECT(clock_now() >= before && clock_now() <= real_now());
}

static void test_real(void **state) {
        (void)state;
        in_child(NULL, real_clock);
        in_child("", real_clock);
}

static void test_start_forms(void **state) {
        (void)state;
        in_child("2028-02-29", day_is_noon);
        in_child("2026-12-31T23:59:30", local_time_runs);
}

static void test_scale(void **state) {
        (void)state;
        in_child("x600", faster);
        char v[64];
        snprintf(v, sizeof(v), "@%lldx10", (long long)real_now() - 100);
        in_child(v, anchored);
}

static void test_malformed(void **state) {
        (void)state;
        in_child("2026-02-30", malformed);
        in_child("2026-12-01T25:00", malformed);
        in_child("x0.5", malformed);
        in_child("tomorrow", malformed);
        in_child("2026-12-01x", malformed);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_real),
                cmocka_unit_test(test_start_forms),
                cmocka_unit_test(test_scale),
                cmocka_unit_test(test_malformed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
