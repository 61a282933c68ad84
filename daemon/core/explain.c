/* explain.c — see explain.h. */
#include "explain.h"

#include <errno.h>
#include <stdlib.h>

#include "util.h"

/* "20日" / "最后一天" */
static void say_day(Buf *b, int day) {
        if (day == DUE_DAY_LAST)
                buf_puts(b, "最后一天");
        else
                buf_printf(b, "%d日", day);
}

static const char *period_of(const Rule *r) {
        return period_kind_to_zh(r->period);
}

/* "年", "2年", "两周" … as the period is named after 每/该. */
static void say_period(Buf *b, const Rule *r) {
        if (r->every > 1)
                buf_printf(b, "%d%s", r->every, r->period == PERIOD_WEEK ? "周" : "年");
        else
                buf_puts(b, period_of(r));
}

static void say_count(Buf *b, const Rule *r) {
        if (r->once) {
                buf_printf(b, "仅%d年一次", r->once);
                return;
        }
        if (r->shift_edge) {
                buf_puts(b, r->workdays ? "每个工作日每班一次" : "每天每班一次");
                return;
        }
        if (r->period == PERIOD_DAY && r->workdays) {
                buf_puts(b, "每个工作日");
                buf_puts(b, r->count == 1 ? "一次" : "");
                if (r->count > 1)
                        buf_printf(b, "至少%d次", r->count);
                return;
        }
        buf_puts(b, "每");
        say_period(b, r);
        if (r->due_months)
                buf_printf(b, "%d次", r->count);
        else if (r->count == 1)
                buf_puts(b, "一次");
        else
                buf_printf(b, "至少%d次", r->count);
        if (r->every > 1 && r->period == PERIOD_YEAR)
                buf_printf(b, "（自%d年起每%d年为一期）", r->epoch, r->every);
        else if (r->every > 1 && r->epoch)
                buf_printf(b, "（自%d年第1周起连续计）", r->epoch);
        else if (r->every > 1)
                buf_puts(b, "（每年从第1周起计）");
}

/* 每周X, several months, a window across the year end: the deadlines these kinds set. */
static bool say_special(Buf *b, const Rule *r) {
        static const char *const wd[] = {"", "一", "二", "三", "四", "五", "六", "日"};
        if (r->due_weekday >= 1 && r->due_weekday <= 7) {
                buf_printf(b, "，截止于%s星期%s", r->every > 1 ? "每期最后一周的" : "每周",
                           wd[r->due_weekday]);
                return true;
        }
        if (r->due_months) {
                buf_puts(b, "，分别截止于");
                for (int m = 1, first = 1; m <= 12; m++)
                        if (r->due_months & (1u << m)) {
                                buf_printf(b, "%s%d月", first ? "" : "、", m);
                                first = 0;
                        }
                buf_puts(b, "的");
                say_day(b, r->due_day);
                return true;
        }
        if (r->start_month) {
                buf_printf(b, "，可在%d月至%s%d月间任意时间完成，截止于%d月", r->start_month,
                           r->start_month > r->due_month ? "次年" : "", r->due_month, r->due_month);
                say_day(b, r->due_day);
                return true;
        }
        return false;
}

static void say_flags(Buf *b, const Rule *r) {
        if (r->soft)
                buf_puts(b, "；原则上的要求：只提醒，不升级");
        if (r->personal)
                buf_puts(b, "；须本人亲自完成");
        if (r->delegable)
                buf_puts(b, "；可由指定的受托人完成");
}

/* Where a deadline with a day of the month falls (schedule.c: period_checkpoints). */
static void say_due_day(Buf *b, const Rule *r) {
        const char *p = period_of(r);
        int months = period_kind_months(r->period);
        if (r->after_period) {
                int m = r->due_month ? r->due_month : 1;
                if (r->period == PERIOD_YEAR)
                        buf_printf(b, "，截止于次年%d月", m);
                else if (m == 1)
                        buf_printf(b, "，截止于该%s结束后的下个月", p);
                else
                        buf_printf(b, "，截止于该%s结束后第%d个月", p, m);
                say_day(b, r->due_day);
                buf_printf(b, "，办理的是上一%s的事项", p);
                return;
        }
        if (r->period == PERIOD_YEAR && r->every > 1)
                buf_printf(b, "，截止于该期最后一年的%d月", r->due_month ? r->due_month : 12);
        else if (r->period == PERIOD_YEAR)
                buf_printf(b, "，截止于%s%d月", r->once ? "" : "每年",
                           r->due_month ? r->due_month : 12);
        else if (r->period == PERIOD_MONTH)
                buf_puts(b, "，截止于当月");
        else if (!r->due_month || r->due_month == months)
                buf_printf(b, "，截止于该%s最后一个月的", p);
        else
                buf_printf(b, "，截止于该%s第%d个月的", p, r->due_month);
        say_day(b, r->due_day);
        if (r->count > 1)
                buf_printf(b, "，届时应完成%d次", r->count);
}

/* Where the deadlines of a rule without a day fall. */
static void say_period_end(Buf *b, const Rule *r) {
        /* A period of several years or weeks is "该期"; its end the last day (a Sunday). */
        const char *p = r->every > 1 ? "期" : period_of(r);
        const char *end = r->period == PERIOD_WEEK ? "周日" : "最后一天";
        if (r->every > 1 && r->period == PERIOD_WEEK)
                end = "最后一周的周日";
        if (r->count == 1) {
                buf_printf(b, "，截止于该%s%s", p, end);
                return;
        }
        if (!r->pacing) {
                buf_printf(b, "，%d次在该%s内任意时间完成，截止于该%s%s", r->count, p, p, end);
                return;
        }
        int months = period_kind_months(r->period);
        if (months > 0 && months % r->count == 0)
                buf_printf(b, "，按%d个月一段分为%d段，每段完成一次，截止于各段最后一天",
                           months / r->count, r->count);
        else
                buf_printf(b, "，按天数均分为%d段，每段完成一次，截止于各段最后一天", r->count);
}

static void say_move(Buf *b, HolidayMove m) {
        switch (m) {
        case MOVE_POSTPONE: buf_puts(b, "（遇节假日顺延至下一个工作日）"); break;
        case MOVE_EARLIER: buf_puts(b, "（遇节假日提前至前一个工作日）"); break;
        default: buf_puts(b, "（遇节假日不调整）"); break;
        }
}

char *rule_explain(const Rule *r) {
        Buf b = {0};
        if (r->before_holidays) {
                buf_puts(&b, "每个");
                if (r->holidays)
                        for (size_t i = 0; i < r->n_holidays; i++)
                                buf_printf(&b, "%s%s", i ? "、" : "（", r->holidays[i]);
                buf_puts(&b, r->holidays ? "）节假日前一次" : "法定节假日前一次");
                buf_puts(&b, "，截止于放假前最后一个工作日");
                return buf_steal(&b);
        }
        say_count(&b, r);
        if (r->shift_edge) /* config shifts: explain_next() lists them */
                buf_puts(&b, r->shift_edge == SHIFT_START ? "，截止于每个班次开始时（班前）"
                                                          : "，截止于每个班次结束时（班后）");
        else if (r->period == PERIOD_DAY)
                buf_puts(&b, "，截止于当天");
        else if (period_is_school(r->period) && r->due_day == DUE_DAY_LAST)
                buf_puts(&b, "，截止于最后一天（学期、学年按配置中的 terms）");
        else if (period_is_school(r->period) && r->due_day)
                buf_printf(&b, "，截止于开学第%d天（学期、学年按配置中的 terms）", r->due_day);
        else if (period_is_school(r->period) && r->count > 1)
                buf_printf(&b, "，按天数均分为%d段，每段完成一次（学期、学年按配置中的 terms）",
                           r->count);
        else if (period_is_school(r->period))
                buf_puts(&b, "，截止于最后一天（学期、学年按配置中的 terms）");
        else if (say_special(&b, r))
                ;
        else if (r->due_day)
                say_due_day(&b, r);
        else
                say_period_end(&b, r);
        if (r->due_minute) {
                char t[RULE_TIME_MAX];
                rule_time(r->due_minute, t);
                buf_puts(&b, t);
        }
        if (r->period != PERIOD_DAY)
                say_move(&b, r->move);
        else if (r->workdays)
                buf_puts(&b, "（休息日和节假日没有）");
        else
                buf_puts(&b, "（休息日和节假日照常）");
        say_flags(&b, r);
        return buf_steal(&b);
}

/* Five years: the longest period is a year, its deadline at most a year after it. */
#define EXPLAIN_HORIZON (5 * 366)

int explain_next(const Config *base, const Rule *r, const DutyScope *scope, Day from,
                 Occurrence *out, size_t n, size_t *ret_n) {
        size_t post = 0;
        Post p = {.id = (char *)"post", .name = (char *)"post"};
        Duty d = {.id = (char *)"duty",
                  .title = (char *)"duty",
                  .posts = &post,
                  .n_posts = 1,
                  .document = -1,
                  .scope = scope ? 1 : 0,
                  .rule = *r};
        Config c = {.calendar = base->calendar,
                    .posts = &p,
                    .n_posts = 1,
                    .duties = &d,
                    .n_duties = 1,
                    .scopes = (DutyScope *)scope,
                    .shifts = base->shifts,
                    .n_shifts = base->n_shifts,
                    .terms = base->terms,
                    .n_terms = base->n_terms,
                    .n_scopes = scope ? 1 : 0};
        OccurrenceList l = {0};
        int q = schedule_plan_assignment(&c, 0, 0, -1, from, from + EXPLAIN_HORIZON, &l);
        if (q < 0) {
                occurrence_list_done(&l);
                return q;
        }
        qsort(l.items, l.n, sizeof(*l.items), occurrence_compare);
        *ret_n = l.n < n ? l.n : n;
        for (size_t i = 0; i < *ret_n; i++)
                out[i] = l.items[i];
        occurrence_list_done(&l);
        return 0;
}
