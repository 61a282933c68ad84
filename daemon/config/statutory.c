/* statutory.c — see statutory.h. */
#include "statutory.h"

#include <dlfcn.h>
#include <errno.h>
#include <lunar-date/lunar-date.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* The library's own message catalogue: its holiday names are translated with it. */
#define LUNAR_DOMAIN "lunar-date"

/* One LunarDate for the process, made at first use and kept: Debian 12's liblunar-date (3.0.1)
 * releases a date's fields in lunar_date_free() but not the object, and later versions free
 * some of them again in the object's finalizer, so no way to free one is right for both. The
 * lock serialises its users (the reloader reads a config in a thread of its own). */
static pthread_mutex_t lunar_lock = PTHREAD_MUTEX_INITIALIZER;
static LunarDate *lunar_shared;

/* liblunar-date (and glib, gobject and gio under it) is opened at first use, as systemd opens
 * its optional libraries: only a config load that computes a year's provisional holidays needs
 * it, and a dutyctl that reads a compiled config (snapshot.h) never does, so it does not pay for
 * mapping and relocating seven libraries at every start (issue #10: 1.6 ms of the 11 ms of a
 * listing at 1,000 assignments). The soname is the one Debian 12's liblunar-date-3.0-1 ships
 * (a dependency of the package, debian/control). Under the lock. */
#define LUNAR_SONAME "liblunar-date-3.0.so.1"

static struct {
        typeof(lunar_date_new) *date_new;
        typeof(lunar_date_set_lunar_date) *set_lunar_date;
        typeof(lunar_date_set_solar_date) *set_solar_date;
        typeof(lunar_date_strftime) *strftime;
        typeof(lunar_date_get_holiday) *get_holiday;
        typeof(g_error_free) *error_free;
        typeof(g_free) *free;
        typeof(g_dgettext) *domain_text; /* not "dgettext": xgettext would take the msgid */
} lunar;

static bool lunar_open(void) {
        static void *dl;
        if (dl)
                return true;
        void *h = dlopen(LUNAR_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return false;
#define SYM(field, name) (*(void **)&lunar.field = dlsym(h, name))
        if (!SYM(date_new, "lunar_date_new") || !SYM(set_lunar_date, "lunar_date_set_lunar_date") ||
            !SYM(set_solar_date, "lunar_date_set_solar_date") ||
            !SYM(strftime, "lunar_date_strftime") || !SYM(get_holiday, "lunar_date_get_holiday") ||
            !SYM(error_free, "g_error_free") || !SYM(free, "g_free") ||
            !SYM(domain_text, "g_dgettext")) {
                dlclose(h);
                return false;
        }
        dl = h; /* kept for the process, as lunar_shared */
        return true;
}
#undef SYM

static void unlockp(pthread_mutex_t **m) {
        if (*m)
                pthread_mutex_unlock(*m);
}

/* Locks the shared date: NULL (unlocked) when it cannot be made. */
static LunarDate *lunar_lock_date(void) {
        pthread_mutex_lock(&lunar_lock);
        if (!lunar_shared && lunar_open())
                lunar_shared = lunar.date_new();
        if (!lunar_shared)
                pthread_mutex_unlock(&lunar_lock);
        return lunar_shared;
}

/* The Gregorian day of lunar YEAR/MONTH/DAY (never a leap month), DAY_INVALID on failure. */
static Day lunar_to_day(LunarDate *ld, int year, int month, int day) {
        GError *e = NULL;
        lunar.set_lunar_date(ld, (GDateYear)year, (GDateMonth)month, (GDateDay)day, 0, FALSE, &e);
        if (e) {
                lunar.error_free(e);
                return DAY_INVALID;
        }
        gchar *s = lunar.strftime(ld, "%(year)-%(month)-%(day)");
        int y, m, d;
        Day r = s && sscanf(s, "%d-%d-%d", &y, &m, &d) == 3 && ymd_valid(y, m, d)
                        ? day_from_ymd(y, m, d)
                        : DAY_INVALID;
        lunar.free(s);
        return r;
}

/* Whether the library names `day` 清明 among its holidays and solar terms. */
static int is_qingming(LunarDate *ld, Day day) {
        Ymd t = day_to_ymd(day);
        GError *e = NULL;
        lunar.set_solar_date(ld, (GDateYear)t.y, (GDateMonth)t.m, (GDateDay)t.d, 12, &e);
        if (e) {
                lunar.error_free(e);
                return -EIO;
        }
        const char *want = lunar.domain_text(LUNAR_DOMAIN, "Qīngmíng");
        gchar *s = lunar.get_holiday(ld, "\n");
        bool found = false;
        for (char *tok = s, *next; tok && !found; tok = next) {
                next = strchr(tok, '\n');
                size_t len = next ? (size_t)(next - tok) : strlen(tok);
                found = len == strlen(want) && memcmp(tok, want, len) == 0;
                next = next ? next + 1 : NULL;
        }
        lunar.free(s);
        return found;
}

/* 清明 falls on April 4 or 5 (April 3–6 is searched). */
static Day qingming(LunarDate *ld, int year) {
        for (int d = 3; d <= 6; d++) {
                Day day = day_from_ymd(year, 4, d);
                int q = is_qingming(ld, day);
                if (q < 0)
                        return DAY_INVALID;
                if (q)
                        return day;
        }
        return DAY_INVALID;
}

int statutory_lunar_day(int year, int month, int day, Day *ret) {
        LunarDate *ld = lunar_lock_date();
        if (!ld)
                return -ENOMEM;
        _cleanup_(unlockp) pthread_mutex_t *locked = &lunar_lock;
        *ret = lunar_to_day(ld, year, month, day);
        return *ret == DAY_INVALID ? -ERANGE : 0;
}

int statutory_qingming(int year, Day *ret) {
        LunarDate *ld = lunar_lock_date();
        if (!ld)
                return -ENOMEM;
        _cleanup_(unlockp) pthread_mutex_t *locked = &lunar_lock;
        *ret = qingming(ld, year);
        return *ret == DAY_INVALID ? -ERANGE : 0;
}

int statutory_holidays(int year, StatutoryHoliday out[static STATUTORY_MAX]) {
        if (year < STATUTORY_FIRST_YEAR || year > STATUTORY_LAST_YEAR)
                return -ERANGE;
        LunarDate *ld = lunar_lock_date();
        if (!ld)
                return -ENOMEM;
        _cleanup_(unlockp) pthread_mutex_t *locked = &lunar_lock;
        Day spring = lunar_to_day(ld, year, 1, 1);
        if (spring == DAY_INVALID)
                return -ERANGE; /* past the library's tables */
        Day dragon = lunar_to_day(ld, year, 5, 5), autumn = lunar_to_day(ld, year, 8, 15);
        Day qm = qingming(ld, year);
        if (dragon == DAY_INVALID || autumn == DAY_INVALID || qm == DAY_INVALID)
                return -EIO;
        Day oct1 = day_from_ymd(year, 10, 1);
        size_t n = 0;
        out[n++] = (StatutoryHoliday){"new-year", "元旦", day_from_ymd(year, 1, 1),
                                      day_from_ymd(year, 1, 1)};
        out[n++] = (StatutoryHoliday){"spring-festival", "春节", spring - 1, spring + 2};
        out[n++] = (StatutoryHoliday){"qingming", "清明节", qm, qm};
        out[n++] = (StatutoryHoliday){"labour-day", "劳动节", day_from_ymd(year, 5, 1),
                                      day_from_ymd(year, 5, 2)};
        out[n++] = (StatutoryHoliday){"dragon-boat", "端午节", dragon, dragon};
        if (autumn >= oct1 - 1 && autumn <= oct1 + 3) /* one break with 国庆 */
                out[n++] = (StatutoryHoliday){"national-day", "国庆节、中秋节",
                                              autumn < oct1 ? autumn : oct1,
                                              autumn > oct1 + 2 ? autumn : oct1 + 2};
        else {
                /* Before 国庆 (mid-September to September 28) or after it (October 5 at most). */
                StatutoryHoliday mid = {"mid-autumn", "中秋节", autumn, autumn},
                                 nat = {"national-day", "国庆节", oct1, oct1 + 2};
                out[n++] = autumn < oct1 ? mid : nat;
                out[n++] = autumn < oct1 ? nat : mid;
        }
        return (int)n;
}
