/* test-tz.c — the organisation's zone without $TZ (tz.h): tz_* against glibc's localtime_r()
 * and mktime(), which this test (and only it) runs with $TZ set; the local times a change skips
 * or repeats; zones switched while another thread reads; tz_day()'s speed. */
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>

#include "testutil.h"

#include "mail.h"
#include "tz.h"

#define Y1970 ((time_t)0)
#define Y1992 ((time_t)694224000)    /* 1992-01-01 00:00 UTC */
#define Y2025 ((time_t)1735689600)   /* 2025-01-01 00:00 UTC */
#define Y2038 ((time_t)2145916800)   /* 2038-01-01 00:00 UTC */
#define Y2101 ((time_t)4133980800LL) /* 2101-01-01 00:00 UTC */

static void use_glibc_zone(const char *zone) {
        setenv("TZ", zone, 1);
        tzset();
}

/* tz_tm(t) is localtime_r(t); tz_day, tz_minute and tz_format agree with it. */
static bool same_as_glibc(time_t t) {
        struct tm a, b;
        localtime_r(&t, &a);
        tz_tm(t, &b);
        char f[17], g[32];
        tz_format(t, f);
        strftime(g, sizeof(g), "%Y-%m-%d %H:%M", &a);
        bool ok = a.tm_year == b.tm_year && a.tm_mon == b.tm_mon && a.tm_mday == b.tm_mday &&
                  a.tm_hour == b.tm_hour && a.tm_min == b.tm_min && a.tm_sec == b.tm_sec &&
                  a.tm_wday == b.tm_wday && a.tm_yday == b.tm_yday && a.tm_isdst == b.tm_isdst &&
                  a.tm_gmtoff == b.tm_gmtoff &&
                  tz_day(t) == day_from_ymd(a.tm_year + 1900, a.tm_mon + 1, a.tm_mday) &&
                  tz_minute(t) == a.tm_hour * 60 + a.tm_min && streq(f, g);
        if (!ok)
                print_error("%s at %lld: glibc %s %+ld, tz %s %+ld\n", getenv("TZ"), (long long)t,
                            g, (long)a.tm_gmtoff, f, (long)b.tm_gmtoff);
        return ok;
}

/* Every `step` seconds in [from, to), and the seconds around each change of offset glibc
 * shows there (found by halving each step whose ends differ). */
static void compare_range(const char *zone, time_t from, time_t to, time_t step) {
        assert_int_equal(tz_use(zone), 0);
        use_glibc_zone(zone);
        struct tm prev;
        localtime_r(&from, &prev);
        for (time_t t = from; t < to; t += step) {
                assert_true(same_as_glibc(t));
                time_t next = t + step;
                struct tm n;
                localtime_r(&next, &n);
                if (n.tm_gmtoff == prev.tm_gmtoff) {
                        prev = n;
                        continue;
                }
                time_t lo = t, hi = next; /* offset(lo) != offset(hi) */
                while (hi - lo > 1) {
                        time_t mid = lo + (hi - lo) / 2;
                        struct tm m;
                        localtime_r(&mid, &m);
                        if (m.tm_gmtoff == prev.tm_gmtoff)
                                lo = mid;
                        else
                                hi = mid;
                }
                assert_true(same_as_glibc(lo));
                assert_true(same_as_glibc(hi));
                prev = n;
        }
}

static void test_utc(void **state) {
        (void)state;
        compare_range("UTC", Y1970, Y2101, 86400 * 3 + 3607);
        assert_int_equal(tz_instant(day_from_ymd(2026, 11, 25), 9 * 60), 1795597200);
}

/* Asia/Shanghai: +08:00 throughout, but for daylight saving 1986–1991. libical (3.0.16) turns
 * those six years' changes ("Sun>=11" of April and September) into rules for the Sundays of
 * 12–17 April and 14–17 September, which miss 1987's and 1988's: compared from 1992. */
static void test_shanghai(void **state) {
        (void)state;
        compare_range("Asia/Shanghai", Y1992, Y2101, 6 * 3600 + 7 * 60 + 11);
        assert_int_equal(tz_use("Asia/Shanghai"), 0);
        assert_int_equal(tz_instant(day_from_ymd(2026, 11, 25), 9 * 60), 1795568400);
        assert_int_equal(tz_day(1795568400 - 9 * 3600), day_from_ymd(2026, 11, 25));
        assert_int_equal(tz_day(1795568400 - 9 * 3600 - 1), day_from_ymd(2026, 11, 24));
        /* Daylight saving in July 1988: 00:00 local was 15:00 UTC. */
        assert_int_equal(tz_instant(day_from_ymd(1988, 7, 1), 0), 583686000);
}

static void test_berlin(void **state) {
        (void)state;
        compare_range("Europe/Berlin", Y1970, Y2101, 6 * 3600 + 7 * 60 + 11);
}

static void test_new_york(void **state) {
        (void)state;
        compare_range("America/New_York", Y1970, Y2101, 6 * 3600 + 7 * 60 + 11);
}

/* mktime() with tm_isdst = -1, in a fresh state (it guesses from its previous call). */
static time_t glibc_instant(Day d, int minute) {
        Ymd y = day_to_ymd(d);
        struct tm tm = {.tm_year = y.y - 1900,
                        .tm_mon = y.m - 1,
                        .tm_mday = y.d,
                        .tm_hour = minute / 60,
                        .tm_min = minute % 60,
                        .tm_isdst = -1};
        return mktime(&tm);
}

/* Every local minute of the days of a change: tz_instant() maps back to it (where it exists)
 * and is mktime()'s answer, or the earlier one where a time exists twice and mktime() took the
 * later. */
static void around_changes(const char *zone, int year) {
        assert_int_equal(tz_use(zone), 0);
        use_glibc_zone(zone);
        size_t days = 0;
        for (Day d = day_from_ymd(year, 1, 1); d < day_from_ymd(year + 1, 1, 1); d++) {
                if (tz_instant(d + 1, 0) - tz_instant(d, 0) == 86400)
                        continue;
                days++;
                for (int m = 0; m < 24 * 60; m++) {
                        time_t t = tz_instant(d, m), g = glibc_instant(d, m);
                        bool back = tz_day(t) == d && tz_minute(t) == m;
                        assert_true(g == t ||
                                    (back && g > t && tz_day(g) == d && tz_minute(g) == m));
                        assert_true(back || tz_minute(t) != m); /* only a skipped time moves */
                }
        }
        assert_int_equal(days, 2);
}

static void test_instant_gap_and_repeat(void **state) {
        (void)state;
        /* The gap: 02:30 does not exist; read with the offset before (+01:00): 03:30 CEST. */
        assert_int_equal(tz_use("Europe/Berlin"), 0);
        time_t gap = tz_instant(day_from_ymd(2026, 3, 29), 2 * 60 + 30);
        assert_int_equal(gap, 1774747800); /* 01:30 UTC */
        assert_int_equal(tz_minute(gap), 3 * 60 + 30);
        assert_int_equal(tz_instant(day_from_ymd(2026, 3, 29), 3 * 60), 1774746000);
        /* The repeat: 02:30 happens at 00:30 UTC (CEST) and at 01:30 UTC (CET): the first. */
        time_t rep = tz_instant(day_from_ymd(2026, 10, 25), 2 * 60 + 30);
        assert_int_equal(rep, 1792888200);
        assert_int_equal(tz_minute(rep + 3600), 2 * 60 + 30);
        assert_int_equal(tz_instant(day_from_ymd(2026, 10, 25), 3 * 60), 1792893600);
        /* New York: 02:30 on 8 March is 03:30 EDT; 01:30 on 1 November is 05:30 UTC (EDT),
         * where glibc's mktime() may give 06:30 (EST) depending on its earlier calls. */
        assert_int_equal(tz_use("America/New_York"), 0);
        assert_int_equal(tz_instant(day_from_ymd(2026, 3, 8), 2 * 60 + 30), 1772955000);
        assert_int_equal(tz_instant(day_from_ymd(2026, 11, 1), 60 + 30), 1793511000);
        around_changes("Europe/Berlin", 2026);
        around_changes("America/New_York", 2027);
        around_changes("Europe/Berlin", 2099);
}

/* Every zone of the system agrees with glibc in the years dutyd plans (2025–2037); libical's
 * zones may differ before (history it turns into rules) and after 2037 (rules it guesses
 * beyond the 32-bit data of the zoneinfo files). */
static void test_every_zone_now(void **state) {
        (void)state;
        FILE *f = fopen("/usr/share/zoneinfo/zone1970.tab", "re");
        assert_non_null(f);
        char line[512];
        size_t n = 0;
        while (fgets(line, sizeof(line), f)) {
                char code[64], coord[64], zone[128];
                if (line[0] == '#' || sscanf(line, "%63s %63s %127s", code, coord, zone) != 3)
                        continue;
                assert_int_equal(tz_use(zone), 0);
                use_glibc_zone(zone);
                for (time_t t = Y2025; t < Y2038; t += 2 * 86400 + 3 * 3600 + 7 * 60)
                        assert_true(same_as_glibc(t));
                n++;
        }
        fclose(f);
        assert_true(n > 200);
}

/* tz.c expands the zoneinfo files' yearly rules itself; libical's iterator is the reference:
 * both give the same table, 1970-2100, for every zone file of the system. */
#define MAX_CHANGES 4096
static time_t own_at[MAX_CHANGES], ref_at[MAX_CHANGES];
static int own_off[MAX_CHANGES], ref_off[MAX_CHANGES];
static size_t zones_compared;

static size_t table_of(const char *zone, bool reference, time_t *at, int *off) {
        assert_int_equal(tz_use("UTC"), 0);
        tz_reference_expansion(reference);
        assert_int_equal(tz_use(zone), 0);
        tz_reference_expansion(false);
        size_t n = tz_changes(at, off, MAX_CHANGES);
        assert_true(n <= MAX_CHANGES);
        return n;
}

static int compare_zone_file(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void)st;
        (void)ftw;
        const char *zone = path + strlen("/usr/share/zoneinfo/");
        char magic[4] = {0};
        FILE *f = type == FTW_F ? fopen(path, "re") : NULL;
        bool tzif = f && fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
        if (f)
                fclose(f);
        if (!tzif || strncmp(zone, "posix/", 6) == 0 || strncmp(zone, "right/", 6) == 0)
                return 0;
        size_t n = table_of(zone, false, own_at, own_off);
        size_t m = table_of(zone, true, ref_at, ref_off);
        if (n != m)
                print_error("%s: %zu changes, libical's iterator %zu\n", zone, n, m);
        assert_int_equal(n, m);
        for (size_t i = 0; i < n; i++) {
                if (own_at[i] != ref_at[i] || own_off[i] != ref_off[i])
                        print_error("%s: change %zu at %lld %+d, libical's iterator at %lld %+d\n",
                                    zone, i, (long long)own_at[i], own_off[i], (long long)ref_at[i],
                                    ref_off[i]);
                assert_true(own_at[i] == ref_at[i] && own_off[i] == ref_off[i]);
        }
        zones_compared++;
        return 0;
}

static void test_own_expansion(void **state) {
        (void)state;
        assert_int_equal(nftw("/usr/share/zoneinfo", compare_zone_file, 16, FTW_PHYS), 0);
        assert_true(zones_compared > 400);
        /* Shanghai's summer time, 1986-1991, from yearly rules tz.c expands: eight changes, as
         * libical's rules have it (zdump shows twelve: libical loses 1987-09 to 1989-04). */
        size_t n = table_of("Asia/Shanghai", false, own_at, own_off);
        assert_int_equal(n, 8);
        assert_int_equal(own_at[0], 515527200); /* 1986-05-04 02:00 CST: +9 */
        assert_int_equal(own_off[0], 9 * 3600);
        assert_int_equal(own_at[7], 684867600); /* 1991-09-15 02:00 CDT: +8 */
        assert_int_equal(own_off[7], 8 * 3600);
}

/* A mail's Date header is in the organisation's zone, whatever $TZ says. */
static void test_mail_date(void **state) {
        (void)state;
        assert_int_equal(tz_use("Asia/Shanghai"), 0);
        use_glibc_zone("America/New_York");
        char date[64];
        assert_int_equal(mail_format_date(1795568400, date, sizeof(date)), 0);
        assert_string_equal(date, "Wed, 25 Nov 2026 09:00:00 +0800");
        assert_int_equal(tz_use("America/New_York"), 0);
        assert_int_equal(mail_format_date(1795568400, date, sizeof(date)), 0);
        assert_string_equal(date, "Tue, 24 Nov 2026 20:00:00 -0500");
}

static void test_unknown_zone(void **state) {
        (void)state;
        assert_int_equal(tz_use("Asia/Shanghai"), 0);
        assert_int_equal(tz_use("Asia/Nowhere"), -EINVAL);
        assert_int_equal(tz_use(""), -EINVAL);
        assert_int_equal(tz_use(NULL), -EINVAL);
        /* The zone in use stays. */
        assert_int_equal(tz_minute(0), 8 * 60);
}

/* A reader in another thread while zones are switched: each answer is one zone's or the
 * other's, never torn, and nothing read is freed (ASan, TSan). */
static atomic_bool stop;

static void *reader(void *arg) {
        (void)arg;
        size_t bad = 0;
        while (!atomic_load(&stop)) {
                int m = tz_minute(0);
                bad += m != 0 && m != 8 * 60 && m != 60;
        }
        return (void *)bad;
}

static void test_switch_while_reading(void **state) {
        (void)state;
        assert_int_equal(tz_use("UTC"), 0);
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, reader, NULL), 0);
        static const char *const zones[] = {"Asia/Shanghai", "Europe/Berlin", "UTC"};
        for (int i = 0; i < 30; i++)
                assert_int_equal(tz_use(zones[i % 3]), 0);
        atomic_store(&stop, true);
        void *bad;
        assert_int_equal(pthread_join(th, &bad), 0);
        assert_null(bad);
}

static double seconds(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* tz_day() is on hot paths (the planner, feeds): not slower than localtime_r(). Timed only
 * without sanitizers, which slow this code but not the C library; best of five runs. */
static void test_speed(void **state) {
        (void)state;
        static const char *const zones[] = {"Asia/Shanghai", "America/New_York"};
        for (size_t z = 0; z < ELEMENTSOF(zones); z++) {
                assert_int_equal(tz_use(zones[z]), 0);
                use_glibc_zone(zones[z]);
                const long n = 200000;
                double ours = 1e9, glibc = 1e9;
                volatile long sink = 0;
                for (int run = 0; run < 5; run++) {
                        double t0 = seconds();
                        for (long i = 0; i < n; i++)
                                sink += tz_day((time_t)1767225600 + i * 97);
                        double t1 = seconds();
                        for (long i = 0; i < n; i++) {
                                time_t t = (time_t)1767225600 + i * 97;
                                struct tm tm;
                                localtime_r(&t, &tm);
                                sink += tm.tm_mday;
                        }
                        double t2 = seconds();
                        ours = t1 - t0 < ours ? t1 - t0 : ours;
                        glibc = t2 - t1 < glibc ? t2 - t1 : glibc;
                }
                printf("# %s: tz_day %.1f ns, localtime_r %.1f ns\n", zones[z], ours / n * 1e9,
                       glibc / n * 1e9);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
                assert_true(ours <= glibc);
#endif
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_utc),
                cmocka_unit_test(test_shanghai),
                cmocka_unit_test(test_berlin),
                cmocka_unit_test(test_new_york),
                cmocka_unit_test(test_instant_gap_and_repeat),
                cmocka_unit_test(test_every_zone_now),
                cmocka_unit_test(test_own_expansion),
                cmocka_unit_test(test_mail_date),
                cmocka_unit_test(test_unknown_zone),
                cmocka_unit_test(test_switch_while_reading),
                cmocka_unit_test(test_speed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
