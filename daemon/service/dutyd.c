/* dutyd.c — the daemon: `dutyd [-c FILE]` runs in the foreground (systemd Type=notify);
 * `dutyd --check-config` validates and exits (78 on errors). */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "clock.h"
#include "config.h"
#include "load.h"
#include "log.h"
#include "manager.h"
#include "tz.h"

#define EXIT_CONFIG 78

static int check_config(const char *path) {
        Diags d = {0};
        Config *c = NULL;
        (void)tz_use(DEFAULT_TIMEZONE);
        int r = config_load(path, tz_day(clock_now()), &c, &d);
        if (r == 0 && config_load_secrets(c, &d) < 0)
                r = -EINVAL;
        diags_print(&d, stderr);
        if (r == 0)
                printf("%s: 配置有效\n", path);
        diags_done(&d);
        config_free(c);
        return r < 0 ? EXIT_CONFIG : 0;
}

int main(int argc, char **argv) {
        static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                             {"check-config", no_argument, NULL, 'n'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"version", no_argument, NULL, 'V'},
                                             {}};
        const char *path = NULL;
        bool check = false;
        int o;
        i18n_setup();
        while ((o = getopt_long(argc, argv, "c:nhV", opts, NULL)) >= 0) {
                switch (o) {
                case 'c': path = optarg; break;
                case 'n': check = true; break;
                case 'h':
                        printf("用法: dutyd [-c FILE] [--check-config]\n"
                               "安全生产履职提醒服务：计算应办事项，发送提醒，提供日历订阅。\n"
                               "  -c, --config FILE   配置文件（默认 $DUTYD_CONFIG 或 %s/dutyd/dutyd.yaml）\n"
                               "  -n, --check-config  只校验配置（含密钥文件）后退出，出错退出码 78\n"
                               "  -V, --version       显示版本\n"
                               "在 systemd 下以 Type=notify 运行；SIGHUP 重新加载配置，SIGTERM 停止。\n",
                               DUTYD_SYSCONFDIR);
                        return 0;
                case 'V': puts("dutyd " DUTYD_VERSION); return 0;
                default: return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "dutyd: 多余的参数：%s\n", argv[optind]);
                return 2;
        }
        if (!path)
                path = config_default_path();
        if (check)
                return check_config(path);
        log_setup("dutyd");
        Manager *m = NULL;
        int r = manager_new(path, &m);
        if (r == -EINVAL)
                return EXIT_CONFIG;
        if (r < 0) {
                log_error("启动失败：%s", strerror(-r));
                return 1;
        }
        r = manager_run(m);
        manager_free(m);
        return r;
}
