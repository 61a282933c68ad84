/* clock.c — see clock.h. */
#include "clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "tz.h"

static struct {
        bool known;
        bool injected;
        int64_t real0, start; /* µs: the real and the injected time at the first call */
        double scale;
        const char *error;
} clk = {.scale = 1.0};

static int64_t real_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * USEC_PER_SEC_I64 + ts.tv_nsec / 1000;
}

/* START: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" or "@SECONDS" → µs; false if malformed. */
static bool parse_start(const char *s, size_t len, int64_t *ret, bool *anchored) {
        char buf[32];
        if (len >= sizeof(buf))
                return false;
        memcpy(buf, s, len);
        buf[len] = 0;
        int y, mo, d, h = 12, mi = 0, sec = 0, n = 0;
        if (buf[0] == '@') {
                char *end;
                long long v = strtoll(buf + 1, &end, 10);
                if (end == buf + 1 || *end)
                        return false;
                *ret = (int64_t)v * USEC_PER_SEC_I64;
                *anchored = true;
                return true;
        }
        if (sscanf(buf, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || !ymd_valid(y, mo, d))
                return false;
        const char *t = buf + n;
        if (*t == 'T') {
                int m = 0;
                if (sscanf(t, "T%2d:%2d%n", &h, &mi, &m) != 2)
                        return false;
                t += m;
                if (*t == ':' && sscanf(t, ":%2d%n", &sec, &m) == 1)
                        t += m;
                if (h > 23 || mi > 59 || sec > 59)
                        return false;
        }
        if (*t)
                return false;
        *ret = ((int64_t)tz_instant(day_from_ymd(y, mo, d), h * 60 + mi) + sec) * USEC_PER_SEC_I64;
        return true;
}

static void clock_init(void) {
        if (clk.known)
                return;
        clk.known = true;
        clk.real0 = real_usec();
        clk.start = clk.real0;
        const char *e = getenv("DUTYD_CLOCK");
        if (!e || !*e)
                return;
        const char *x = strchr(e, 'x');
        size_t len = x ? (size_t)(x - e) : strlen(e);
        int64_t start = clk.real0;
        double scale = 1.0;
        bool anchored = false;
        if (len > 0 && !parse_start(e, len, &start, &anchored)) {
                clk.error = "DUTYD_CLOCK: START is not YYYY-MM-DD[THH:MM[:SS]] or @SECONDS";
                return;
        }
        if (x) {
                char *end;
                scale = strtod(x + 1, &end);
                if (end == x + 1 || *end || !(scale >= 1.0 && scale <= 100000.0)) {
                        clk.error = "DUTYD_CLOCK: SCALE must be a number from 1 to 100000";
                        return;
                }
        }
        clk.injected = true;
        if (anchored)
                clk.real0 = start;
        clk.start = start;
        clk.scale = scale;
}

int64_t clock_now_usec(void) {
        clock_init();
        int64_t real = real_usec();
        if (!clk.injected)
                return real;
        return clk.start + (int64_t)((double)(real - clk.real0) * clk.scale);
}

double clock_scale(void) {
        clock_init();
        return clk.scale;
}

int64_t clock_real_usec(int64_t usec) {
        clock_init();
        if (!clk.injected)
                return usec;
        return clk.real0 + (int64_t)((double)(usec - clk.start) / clk.scale);
}

const char *clock_error(void) {
        clock_init();
        return clk.error;
}

clockid_t clock_delay_id(void) {
        const char *preload = getenv("LD_PRELOAD");
        return preload && strstr(preload, "libfaketime") ? CLOCK_REALTIME : CLOCK_BOOTTIME;
}
