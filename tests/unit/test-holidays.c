/* test-holidays.c — the statutory holidays of a year without the State Council's notice
 * (config/statutory.c, through liblunar-date) and the provisional years of the holiday model
 * (config/holidays.c): against the notices of 2020–2026, the observatories' dates for 2027–2035,
 * and the 重大节假日前 duties of a provisional year. */
#include "testutil.h"

#include "calendar.h"
#include "holidays.h"
#include "schedule.h"
#include "statutory.h"

#define D(y, m, d) day_from_ymd(y, m, d)

/* 春节 (正月初一), 清明, 端午 (五月初五), 中秋 (八月十五): 2020–2026 as the State Council's
 * notices put the holidays, 2027–2030 as docs/holidays-cn.md gives them (Purple Mountain
 * Observatory), 春节 2031–2035 from the observatory's almanac and 清明 2029–2035 from the Hong
 * Kong Observatory's table of solar terms. NULL: not checked. */
static const struct Known {
        int year;
        const char *spring, *qingming, *dragon, *autumn;
} known[] = {
        {2020, "2020-01-25", "2020-04-04", "2020-06-25", "2020-10-01"},
        {2021, "2021-02-12", "2021-04-04", "2021-06-14", "2021-09-21"},
        {2022, "2022-02-01", "2022-04-05", "2022-06-03", "2022-09-10"},
        {2023, "2023-01-22", "2023-04-05", "2023-06-22", "2023-09-29"},
        {2024, "2024-02-10", "2024-04-04", "2024-06-10", "2024-09-17"},
        {2025, "2025-01-29", "2025-04-04", "2025-05-31", "2025-10-06"},
        {2026, "2026-02-17", "2026-04-05", "2026-06-19", "2026-09-25"},
        {2027, "2027-02-06", "2027-04-05", "2027-06-09", "2027-09-15"},
        {2028, "2028-01-26", "2028-04-04", "2028-05-28", "2028-10-03"},
        {2029, "2029-02-13", "2029-04-04", NULL, NULL},
        {2030, "2030-02-03", "2030-04-05", NULL, NULL},
        {2031, "2031-01-23", "2031-04-05", NULL, NULL},
        {2032, "2032-02-11", "2032-04-04", NULL, NULL},
        {2033, "2033-01-31", "2033-04-04", NULL, NULL},
        {2034, "2034-02-19", "2034-04-05", NULL, NULL},
        {2035, "2035-02-08", "2035-04-05", NULL, NULL},
};

static void assert_day(Day got, Day want) {
        char g[11], w[11];
        day_format(got, g);
        day_format(want, w);
        assert_string_equal(g, w);
}

static void assert_lunar(int year, int month, int day, const char *want) {
        Day d;
        if (!want)
                return;
        assert_int_equal(statutory_lunar_day(year, month, day, &d), 0);
        assert_day(d, day_parse(want));
}

static void lunar_dates_2020_2035(void **s) {
        (void)s;
        for (size_t i = 0; i < ELEMENTSOF(known); i++) {
                const struct Known *k = &known[i];
                assert_lunar(k->year, 1, 1, k->spring);
                assert_lunar(k->year, 5, 5, k->dragon);
                assert_lunar(k->year, 8, 15, k->autumn);
                Day d;
                assert_int_equal(statutory_qingming(k->year, &d), 0);
                if (k->qingming)
                        assert_day(d, day_parse(k->qingming));
        }
}

static const StatutoryHoliday *find(const StatutoryHoliday *h, int n, const char *id) {
        for (int i = 0; i < n; i++)
                if (streq(h[i].id, id))
                        return &h[i];
        return NULL;
}

/* The regulation's days for every year 2025–2035: sorted, apart, each where it belongs. */
static void statutory_days_2025_2035(void **s) {
        (void)s;
        StatutoryHoliday h[STATUTORY_MAX];
        assert_int_equal(statutory_holidays(2024, h), -ERANGE); /* the old regulation */
        assert_int_equal(statutory_holidays(STATUTORY_LAST_YEAR + 1, h), -ERANGE);
        for (int y = 2025; y <= 2035; y++) {
                int n = statutory_holidays(y, h);
                assert_true(n == 6 || n == 7);
                for (int i = 0; i < n; i++) {
                        assert_true(h[i].from <= h[i].to);
                        assert_int_equal(day_to_ymd(h[i].from).y, y);
                        if (i > 0)
                                assert_true(h[i - 1].to + 1 < h[i].from);
                }
                assert_int_equal(find(h, n, "new-year")->from, D(y, 1, 1));
                const StatutoryHoliday *sf = find(h, n, "spring-festival");
                Day spring;
                assert_int_equal(statutory_lunar_day(y, 1, 1, &spring), 0);
                assert_int_equal(sf->from, spring - 1); /* 除夕 */
                assert_int_equal(sf->to, spring + 2);   /* 初三 */
                Ymd q = day_to_ymd(find(h, n, "qingming")->from);
                assert_true(q.m == 4 && (q.d == 4 || q.d == 5));
                assert_int_equal(find(h, n, "labour-day")->from, D(y, 5, 1));
                assert_int_equal(find(h, n, "labour-day")->to, D(y, 5, 2));
                const StatutoryHoliday *nd = find(h, n, "national-day");
                assert_true(nd->from <= D(y, 10, 1) && nd->to >= D(y, 10, 3));
                assert_int_equal(n == 6, find(h, n, "mid-autumn") == NULL);
                if (n == 6)
                        assert_string_equal(nd->name, "国庆节、中秋节");
        }
        /* 2028: 中秋 on October 3, inside 国庆: one break of three days. */
        int n = statutory_holidays(2028, h);
        assert_int_equal(n, 6);
        assert_day(find(h, n, "national-day")->from, D(2028, 10, 1));
        assert_day(find(h, n, "national-day")->to, D(2028, 10, 3));
        /* 2027: 除夕 02-05 to 初三 02-08, four days. */
        n = statutory_holidays(2027, h);
        assert_int_equal(n, 7);
        assert_day(find(h, n, "spring-festival")->from, D(2027, 2, 5));
        assert_day(find(h, n, "spring-festival")->to, D(2027, 2, 8));
        assert_day(find(h, n, "mid-autumn")->from, D(2027, 9, 15));
}

static Config *load_at(Day today) {
        Diags d = {0};
        Config *c = load_yaml_text(
                "organization: {name: 测试镇}\n"
                "posts: [{id: p, name: 镇党委书记}]\n"
                "people: [{id: a, name: 张三, posts: [p]}]\n"
                "duties:\n  - {id: d, post: p, title: 节前检查, rule: 重大节假日前}\n",
                today, &d);
        if (!c)
                diags_print(&d, stderr);
        diags_done(&d);
        assert_non_null(c);
        return c;
}

/* The years with a notice keep it; every statutory day lies inside one of its holidays. */
static void data_years_contain_statutory_days(void **s) {
        (void)s;
        Config *c = load_at(D(2026, 12, 1));
        const Calendar *cal = c->calendar;
        size_t data_years = 0;
        for (size_t i = 0; i < cal->n_years; i++) {
                const CalendarYear *y = &cal->years[i];
                if (y->provisional)
                        continue;
                data_years++;
                StatutoryHoliday h[STATUTORY_MAX];
                int n = statutory_holidays(y->year, h);
                assert_true(n > 0);
                for (int k = 0; k < n; k++) {
                        bool inside = false;
                        for (size_t j = 0; j < cal->n_holidays && !inside; j++)
                                inside = !cal->holidays[j].provisional &&
                                         cal->holidays[j].from <= h[k].from &&
                                         h[k].to <= cal->holidays[j].to;
                        if (!inside)
                                fail_msg("%d %s is outside the notice's holidays", y->year,
                                         h[k].id);
                }
        }
        assert_true(data_years >= 2);
        config_free(c);
}

/* A year without a notice: provisional, its statutory days off, the warning says so. */
static void provisional_year(void **s) {
        (void)s;
        Config *c = load_at(D(2026, 12, 1));
        const Calendar *cal = c->calendar;
        assert_true(calendar_has_year(cal, 2027));
        bool seen = false;
        for (size_t i = 0; i < cal->n_years; i++)
                if (cal->years[i].year == 2027)
                        seen = cal->years[i].provisional;
        assert_true(seen);
        /* 2027-02-05 (Fri, 除夕) is off; 02-09 (Tue) works; no make-up Saturday. */
        assert_day(calendar_next_working_day(cal, D(2027, 2, 5)), D(2027, 2, 9));
        assert_day(calendar_next_working_day(cal, D(2027, 10, 1)), D(2027, 10, 4));
        assert_day(calendar_next_working_day(cal, D(2027, 6, 9)), D(2027, 6, 10));
        char *note = NULL;
        assert_int_equal(holidays_provisional_note(cal, D(2026, 12, 1), D(2028, 1, 1), &note), 0);
        assert_non_null(note);
        assert_non_null(strstr(note, "the holidays of 2027, 2028 are provisional"));
        free(note);
        assert_int_equal(holidays_provisional_note(cal, D(2026, 1, 1), D(2026, 12, 31), &note), 0);
        assert_null(note);
        config_free(c);
}

/* Regression (issue 13): 重大节假日前 has occurrences in provisional years — the check before
 * 元旦 2027 is due 2026-12-31. */
static void before_holidays_in_provisional_years(void **s) {
        (void)s;
        Config *c = load_at(D(2026, 12, 1));
        OccurrenceList l = {0};
        assert_int_equal(schedule_plan(c, D(2026, 12, 1), D(2028, 12, 31), PLAN_FILTER_ALL, &l), 0);
        char got[2048] = "";
        for (size_t i = 0; i < l.n; i++) {
                char id[64], due[11];
                occurrence_period_id(c, &l.items[i], id, sizeof(id));
                day_format(l.items[i].due, due);
                size_t len = strlen(got);
                snprintf(got + len, sizeof(got) - len, "%s%s=%s", len ? " " : "", id, due);
        }
        assert_string_equal(got, "2027-new-year=2026-12-31 "
                                 "2027-spring-festival=2027-02-04 "
                                 "2027-qingming=2027-04-02 "
                                 "2027-labour-day=2027-04-30 "
                                 "2027-dragon-boat=2027-06-08 "
                                 "2027-mid-autumn=2027-09-14 "
                                 "2027-national-day=2027-09-30 "
                                 "2028-new-year=2027-12-31 "
                                 "2028-spring-festival=2028-01-24 "
                                 "2028-qingming=2028-04-03 "
                                 "2028-labour-day=2028-04-28 "
                                 "2028-dragon-boat=2028-05-26 "
                                 "2028-national-day=2028-09-29 "
                                 "2029-new-year=2028-12-29");
        occurrence_list_done(&l);
        config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(lunar_dates_2020_2035),
                cmocka_unit_test(statutory_days_2025_2035),
                cmocka_unit_test(data_years_contain_statutory_days),
                cmocka_unit_test(provisional_year),
                cmocka_unit_test(before_holidays_in_provisional_years),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
