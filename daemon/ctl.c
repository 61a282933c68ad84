/* ctl.c — see ctl.h. */
#include "ctl.h"

#include <stdlib.h>

#include "tz.h"
#include "util.h"

const char *arg_config = NULL;

int ctl_load_config(Config **ret) {
        const char *path = arg_config ? arg_config : config_default_path();
        Diags d = {0};
        /* The zone is needed for "today" before the config is known: take the default first. */
        (void)tz_use("Asia/Shanghai");
        Day today = tz_day(tz_now());
        const char *t = getenv("DUTYD_TODAY");
        if (t && day_parse(t) != DAY_INVALID)
                today = day_parse(t);
        int r = config_load(path, today, ret, &d);
        diags_print(&d, stderr);
        if (r < 0)
                fprintf(stderr, "%s: 配置无效，共 %zu 处错误\n", path, d.n_errors);
        diags_done(&d);
        if (r < 0)
                return EXIT_CONFIG;
        if (tz_use((*ret)->timezone) < 0) {
                fprintf(stderr, "%s: cannot use time zone %s\n", path, (*ret)->timezone);
                *ret = config_free(*ret);
                return EXIT_CONFIG;
        }
        return 0;
}

Day ctl_today(const Config *c) {
        (void)c;
        const char *t = getenv("DUTYD_TODAY");
        if (t && day_parse(t) != DAY_INVALID)
                return day_parse(t);
        return tz_day(tz_now());
}

const char *ctl_state_dir(const Config *c) {
        const char *e = getenv("STATE_DIRECTORY");
        if (e && *e)
                return e;
        return c && c->state_dir ? c->state_dir : "/var/lib/dutyd";
}
