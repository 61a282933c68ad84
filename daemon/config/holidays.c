/* holidays.c — see holidays.h. */
#include "holidays.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "statutory.h"
#include "i18n.h"
#include "util.h"

/* Years after today's for which a year without data gets its provisional statutory holidays. */
#define PROVISIONAL_YEARS 10

typedef struct HolidayItem {
        char *id, *name;
        Day from, to;
        char **work;
        size_t n_work;
} HolidayItem;

static int parse_work_days(Loader *L, const YNode *n, void *obj) {
        HolidayItem *h = obj;
        return parse_strlist(L, n, &h->work, &h->n_work);
}

static const KeyDef holiday_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(HolidayItem, id), .required = true},
        {.name = "name", .type = F_STR, .off = FIELD(HolidayItem, name), .required = true},
        {.name = "from", .type = F_DATE, .off = FIELD(HolidayItem, from), .required = true},
        {.name = "to", .type = F_DATE, .off = FIELD(HolidayItem, to), .required = true},
        {.name = "work", .type = F_CUSTOM, .custom = parse_work_days},
};

static int holiday_days_off(Loader *L, const YNode *n, const HolidayItem *h, int year,
                            Calendar *cal) {
        for (Day d = h->from; d <= h->to; d++) {
                int q = calendar_set_off(cal, d);
                char ds[11];
                day_format(d, ds);
                if (q == -EEXIST)
                        return err_at(L, n,
                                      "%s is already a day off of another holiday or a make-up "
                                      "working day",
                                      ds);
                if (q < 0)
                        return err_at(L, n, "days off must be inside the year %d", year);
        }
        return 0;
}

static int holiday_work_days(Loader *L, const YNode *n, const HolidayItem *h, int year,
                             Calendar *cal) {
        const YNode *wn = ytree_get(L->t, n, "work");
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt = 0;
        if (wn && node_items(L, wn, &items, &cnt) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < h->n_work && i < cnt; i++) {
                Day d = day_parse(h->work[i]);
                if (d == DAY_INVALID)
                        return err_at(L, items[i], "expected a date YYYY-MM-DD");
                if (day_weekday(d) < 6)
                        return err_at(L, items[i], "%s is not a weekend day", h->work[i]);
                int q = calendar_set_work(cal, d);
                if (q == -EEXIST)
                        return err_at(L, items[i], "make-up working day %s is a day off",
                                      h->work[i]);
                if (q < 0)
                        return err_at(L, items[i], "make-up day must be inside the year %d", year);
        }
        return 0;
}

static int load_holiday(Loader *L, const YNode *n, int year, Calendar *cal) {
        HolidayItem h = {.from = DAY_INVALID, .to = DAY_INVALID};
        int r = parse_map(L, n, holiday_keys, ELEMENTSOF(holiday_keys), &h, NULL);
        if (r == 0 && (h.to < h.from || h.to - h.from > 31))
                r = err_at(L, n, "'to' must be on or after 'from', within a month");
        if (r == 0 && day_to_ymd(h.from).y != year)
                r = err_at(L, ytree_get(L->t, n, "from"), "date is not in %d", year);
        for (size_t i = 0; r == 0 && i < cal->n_holidays; i++)
                if (streq(cal->holidays[i].id, h.id) && day_to_ymd(cal->holidays[i].from).y == year)
                        r = err_at(L, ytree_get(L->t, n, "id"), "holiday '%s' given twice in %d",
                                   h.id, year);
        if (r == 0)
                r = holiday_days_off(L, n, &h, year, cal);
        if (r == 0)
                r = holiday_work_days(L, n, &h, year, cal);
        if (r == 0 && calendar_add_holiday(cal, h.id, h.name, h.from, h.to) < 0)
                r = -ENOMEM;
        return r; /* its strings are in the config's pool */
}

static int load_holiday_year(Loader *L, const YNode *kn, const YNode *vn, Calendar *cal) {
        int year;
        if (parse_int(L, kn, 1900, 9999, &year) < 0)
                return -EINVAL;
        if (calendar_has_year(cal, year))
                return err_at(L, kn, "year %d given twice", year);
        if (!vn || vn->type != Y_MAP)
                return err_at(L, vn, "expected a mapping with 'source' and 'holidays'");
        const char *src = scalar(L, ytree_get(L->t, vn, "source"));
        if (!calendar_add_year(cal, year, src))
                return loader_oom(L);
        int r = 0;
        for (size_t i = 0; i < ytree_count(vn); i++) {
                const YNode *k = ytree_key(L->t, vn, i), *list = ytree_value(L->t, vn, i);
                const char *name = scalar(L, k);
                if (name && streq(name, "source"))
                        continue;
                if (!name || !streq(name, "holidays")) {
                        r = err_at(L, k, "unknown key '%s'", name ? name : "");
                        continue;
                }
                if (list->type != Y_SEQ) {
                        r = err_at(L, list, "'holidays' must be a list");
                        continue;
                }
                for (size_t j = 0; j < ytree_count(list); j++)
                        if (load_holiday(L, ytree_item(L->t, list, j), year, cal) < 0)
                                r = -EINVAL;
        }
        return r;
}

/* The holiday file's root: {years: {YEAR: {source, holidays: [...]}, ...}}. */
static int load_holiday_root(Loader *L, const YNode *root, Calendar *cal) {
        int r = 0;
        for (size_t i = 0; root->type == Y_MAP && i < ytree_count(root); i++) {
                const YNode *kn = ytree_key(L->t, root, i), *vn = ytree_value(L->t, root, i);
                const char *k = scalar(L, kn);
                if (!k || !streq(k, "years")) {
                        r = err_at(L, kn, "unknown key '%s'", k ? k : "");
                        continue;
                }
                if (vn->type != Y_MAP) {
                        r = err_at(L, vn, "'years' must be a mapping YEAR: {...}");
                        continue;
                }
                for (size_t j = 0; j < ytree_count(vn); j++)
                        if (load_holiday_year(L, ytree_key(L->t, vn, j), ytree_value(L->t, vn, j),
                                              cal) < 0)
                                r = -EINVAL;
        }
        return r;
}

char *holidays_file(const Config *c) {
        const char *name = c->holidays_path ? c->holidays_path : DEFAULT_HOLIDAYS;
        char *path =
                name[0] == '/' || streq(c->dir, ".") ? strdup(name) : strfmt("%s/%s", c->dir, name);
        if (path && !c->holidays_path && access(path, R_OK) < 0) {
                /* Not configured and not beside the config: the installed copy. */
                free(path);
                path = strdup(DUTYD_DATADIR "/" DEFAULT_HOLIDAYS);
        }
        return path;
}

/* A year without a notice: its statutory days off, provisional (-ERANGE, -EIO: none known). */
static int add_provisional_year(Calendar *cal, int year) {
        StatutoryHoliday s[STATUTORY_MAX];
        int n = statutory_holidays(year, s);
        if (n < 0)
                return n;
        CalendarYear *y = calendar_add_year(cal, year, "《全国年节及纪念日放假办法》（暂定）");
        if (!y)
                return -ENOMEM;
        y->provisional = true;
        for (int i = 0; i < n; i++) {
                for (Day d = s[i].from; d <= s[i].to; d++)
                        (void)calendar_set_off(cal, d); /* the statutory days never overlap */
                if (calendar_add_holiday(cal, s[i].id, s[i].name, s[i].from, s[i].to) < 0)
                        return -ENOMEM;
                cal->holidays[cal->n_holidays - 1].provisional = true;
        }
        return 0;
}

static bool year_provisional(const Calendar *cal, int year) {
        for (size_t i = 0; i < cal->n_years; i++)
                if (cal->years[i].year == year)
                        return cal->years[i].provisional;
        return false;
}

int holidays_provisional_note(const Calendar *cal, Day from, Day to, char **ret) {
        _cleanup_free_ char *years = strdup("");
        for (int y = day_to_ymd(from).y; years && cal && from <= to && y <= day_to_ymd(to).y; y++)
                if (year_provisional(cal, y)) {
                        char *more = strfmt("%s%s%d", years, years[0] ? _(", ") : "", y);
                        free(years);
                        years = more;
                }
        if (!years)
                return -ENOMEM;
        *ret = NULL;
        if (years[0] &&
            !(*ret = strfmt(_("the holidays of %s are provisional (no State Council notice yet: "
                              "statutory holidays only, no make-up days)"),
                            years)))
                return -ENOMEM;
        return 0;
}

/* Years without data: provisional from the regulation's first year to some years ahead, and
 * those of the planning range (`today` and the next 12 months) are warnings. */
static int add_provisional_years(Loader *L, const char *path, Calendar *cal) {
        int last = day_to_ymd(L->today).y + PROVISIONAL_YEARS;
        for (int y = STATUTORY_FIRST_YEAR; y <= last; y++)
                if (!calendar_has_year(cal, y) && add_provisional_year(cal, y) == -ENOMEM)
                        return -ENOMEM;
        for (int y = day_to_ymd(L->today).y; y <= day_to_ymd(L->today + 365).y; y++)
                if (year_provisional(cal, y))
                        diags_add(L->diags, true, path, 0, 0,
                                  "no holiday notice for %d: its statutory holidays are computed "
                                  "from the national regulation, provisional (暂定), without "
                                  "bridging or make-up days until the State Council notice is "
                                  "added",
                                  y);
                else if (!calendar_has_year(cal, y))
                        diags_add(L->diags, true, path, 0, 0,
                                  "no holiday data for %d: treated as weekends only until the "
                                  "State Council notice is added",
                                  y);
        return 0;
}

int load_holidays(Loader *L) {
        Config *c = L->cfg;
        _cleanup_free_ char *path = holidays_file(c);
        if (!path || !(c->calendar = calendar_new()))
                return -ENOMEM;
        const char *saved = L->path;
        L->path = path;
        YTree t = {0};
        YReader *R = NULL;
        uint32_t root = UINT32_MAX;
        _cleanup_fclose_ FILE *fp = loader_open(L, path);
        int r = -EINVAL;
        if (!fp && L->holidays_where_file) /* point at the `holidays:` key as well */
                diags_add(L->diags, false, L->holidays_where_file, L->holidays_line,
                          L->holidays_col, "holiday data file '%s' cannot be read", path);
        if (fp && (r = yreader_new(fp, loader_report_yaml, L, &R)) == 0)
                r = yreader_document(R, &t, &root);
        L->t = &t;
        if (root != UINT32_MAX && load_holiday_root(L, ytree_node(&t, root), c->calendar) < 0)
                r = -EINVAL;
        if (r == 0 && add_provisional_years(L, path, c->calendar) < 0)
                r = -ENOMEM;
        calendar_seal(c->calendar);
        yreader_free(R);
        ytree_done(&t);
        L->path = saved;
        return r == -ENOMEM ? loader_oom(L) : r;
}
