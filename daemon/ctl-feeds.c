/* ctl-feeds.c — see ctl-feeds.h. */
#include "ctl-feeds.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"
#include "feeds.h"
#include "feedtoken.h"
#include "httpd.h"
#include "store.h"
#include "util.h"

static int feeds_usage(FILE *f) {
        fprintf(f,
                "用法: dutyctl [-c FILE] feeds write [--dir 目录]\n"
                "       dutyctl [-c FILE] feeds list\n"
                "       dutyctl [-c FILE] feeds rotate [日历名]\n"
                "  write   把每个日历写成 目录/<日历名>.ics（默认 feeds.dir，否则 状态目录/feeds）；\n"
                "          内容未变的文件不重写；已不存在的日历（org.ics、post-*.ics、person-*.ics）\n"
                "          的文件删除，其他文件不动\n"
                "  list    列出每个日历的 https 与 webcal 订阅地址（含密钥令牌，请勿外传）\n"
                "  rotate  为指定日历（不指定则全部）更换令牌，旧地址随即失效\n"
                "日历名：org（全镇）、post-<岗位id>、person-<人员id>。\n");
        return f == stdout ? 0 : EXIT_USAGE;
}

/* https://HOST/feeds/TOKEN/NAME.ics and its webcal:// twin. */
static void print_addresses(const char *base, const char *name, const char *title,
                            const char *token) {
        size_t bl = strlen(base);
        while (bl > 0 && base[bl - 1] == '/')
                bl--;
        const char *rest = base;
        if (strncmp(base, "https://", 8) == 0)
                rest = base + 8;
        else if (strncmp(base, "http://", 7) == 0)
                rest = base + 7;
        int rl = (int)(bl - (size_t)(rest - base));
        printf("%s  %s\n", name, title);
        printf("  %.*s/feeds/%s/%s.ics\n", (int)bl, base, token, name);
        printf("  webcal://%.*s/feeds/%s/%s.ics\n", rl, rest, token, name);
}

/* The address a subscriber uses: the public one, else the one the daemon serves (recorded in
 * the state, e.g. the socket unit's), else server.listen. malloc'd. */
static char *public_base(const Config *c, Store *store) {
        if (c->feeds.public_url)
                return strdup(c->feeds.public_url);
        if (c->server.public_url)
                return strdup(c->server.public_url);
        _cleanup_free_ char *served = NULL;
        (void)store_meta_get(store, META_SERVED_ADDRESS, &served);
        char *base = config_local_url(c, served);
        if (base)
                fprintf(stderr, "提示：未配置 feeds.public_url，地址按%s %s 显示\n",
                        served ? "服务实际监听的" : " server.listen", base);
        return base;
}

static int open_tokens(const Config *c, Store **ret) {
        if (ctl_open_state(c, ret))
                return -EIO;
        int r = feedtoken_init(*ret);
        if (r < 0) {
                fprintf(stderr, "无法初始化令牌表：%s\n", store_errmsg(*ret));
                *ret = store_close(*ret);
        }
        return r;
}

static int feeds_write_cmd(Config *c, const char *dir_arg) {
        Day today = ctl_today(c);
        _cleanup_free_ char *dir =
                dir_arg ? strdup(dir_arg) : feeds_default_dir(c, ctl_state_dir(c));
        if (!dir)
                return 1;
        FeedSet *s = NULL;
        int r = feedset_new(c, today, NULL, NULL, &s);
        if (r < 0) {
                fprintf(stderr, "生成日历失败：%s\n", strerror(-r));
                return 1;
        }
        FeedsWriteStats st;
        r = feeds_write(s, dir, &st);
        feedset_free(s);
        if (r < 0) {
                fprintf(stderr, "写入 %s 失败：%s\n", dir, strerror(-r));
                return 1;
        }
        printf("已写出 %zu 个日历到 %s：%zu 个更新，%zu 个未变，共 %llu 字节", st.feeds, dir,
               st.written, st.unchanged, (unsigned long long)st.bytes);
        if (st.removed > 0)
                printf("；删除 %zu 个已不存在的日历文件", st.removed);
        printf("\n");
        return 0;
}

static int feeds_list_cmd(Config *c, const char *only, bool rotate) {
        FeedSet *s = NULL;
        int r = feedset_new(c, ctl_today(c), NULL, NULL, &s);
        if (r < 0) {
                fprintf(stderr, "生成日历失败：%s\n", strerror(-r));
                return 1;
        }
        if (only && feedset_find(s, only) < 0) {
                fprintf(stderr, "未知日历：%s（dutyctl feeds list 查看全部）\n", only);
                feedset_free(s);
                return 1;
        }
        Store *store = NULL;
        if (open_tokens(c, &store) < 0) {
                feedset_free(s);
                return 1;
        }
        _cleanup_free_ char *base = public_base(c, store);
        int ret = base ? 0 : 1;
        for (size_t i = 0; ret == 0 && i < s->n_feeds; i++) {
                const Feed *f = &s->feeds[i];
                if (only && !streq(f->name, only))
                        continue;
                char token[FEEDTOKEN_LEN + 1];
                r = rotate ? feedtoken_rotate(store, f->name, token)
                           : feedtoken_get(store, f->name, token);
                if (r < 0) {
                        fprintf(stderr, "%s：读写令牌失败：%s\n", f->name, store_errmsg(store));
                        ret = 1;
                        break;
                }
                print_addresses(base, f->name, f->title, token);
                explicit_bzero(token, sizeof(token));
        }
        if (rotate && ret == 0)
                fprintf(stderr, "令牌已更换；运行中的服务收到 SIGHUP 或重新加载后旧地址失效。\n");
        store_close(store);
        feedset_free(s);
        return ret;
}

int verb_feeds(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'}, {"dir", required_argument, NULL, 'd'}, {}};
        const char *dir = NULL;
        int o;
        while ((o = getopt_long(argc, argv, "+hd:", opts, NULL)) >= 0) {
                switch (o) {
                case 'h': return feeds_usage(stdout);
                case 'd': dir = optarg; break;
                default: return feeds_usage(stderr);
                }
        }
        if (optind >= argc)
                return feeds_usage(stderr);
        const char *sub = argv[optind++];
        /* Options may also follow the subcommand: dutyctl feeds write --dir X. */
        while ((o = getopt_long(argc, argv, "hd:", opts, NULL)) >= 0) {
                switch (o) {
                case 'h': return feeds_usage(stdout);
                case 'd': dir = optarg; break;
                default: return feeds_usage(stderr);
                }
        }
        const char *arg = optind < argc ? argv[optind++] : NULL;
        if (optind < argc)
                return feeds_usage(stderr);
        bool is_write = streq(sub, "write"), is_list = streq(sub, "list"),
             is_rotate = streq(sub, "rotate");
        if (!is_write && !is_list && !is_rotate) {
                fprintf(stderr, "dutyctl feeds: 未知子命令 '%s'\n", sub);
                return feeds_usage(stderr);
        }
        if ((arg && !is_rotate) || (dir && !is_write))
                return feeds_usage(stderr);
        Config *c = NULL;
        int r = ctl_load_config(&c);
        if (r)
                return r;
        if (is_write)
                r = feeds_write_cmd(c, dir);
        else
                r = feeds_list_cmd(c, arg, is_rotate);
        config_free(c);
        return r;
}

/* ---- serve ---- */

typedef struct Server {
        Config *config;
        Store *store;
        FeedCache *cache;
        char *dir; /* the feeds are served from their files here */
        Day rendered_for;
} Server;

static int server_render(Server *sv) {
        Day today = ctl_today(sv->config);
        FeedSet *s = NULL;
        int r = feedset_new(sv->config, today, NULL, NULL, &s);
        if (r < 0)
                return r;
        r = feeds_update(s, sv->cache, sv->dir, clock_now(), NULL);
        feedset_free(s);
        if (r < 0)
                return r;
        sv->rendered_for = today;
        return feed_cache_load_tokens(sv->cache, sv->store);
}

static int on_tick(sd_event_source *src, uint64_t usec, void *userdata) {
        (void)usec;
        Server *sv = userdata;
        /* Tokens rotated by `dutyctl feeds rotate` take effect within a minute; a new day
         * re-renders the windows. */
        int r = ctl_today(sv->config) != sv->rendered_for
                        ? server_render(sv)
                        : feed_cache_load_tokens(sv->cache, sv->store);
        if (r < 0)
                fprintf(stderr, "更新日历失败：%s\n", strerror(-r));
        (void)sd_event_source_set_time_relative(src, 60 * 1000000ULL);
        (void)sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        return 0;
}

static int on_hup(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        (void)src, (void)si;
        Server *sv = userdata;
        int r = server_render(sv);
        fprintf(stderr, r < 0 ? "重新生成日历失败\n" : "已重新生成日历并重新读取令牌\n");
        return 0;
}

static int on_term(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        (void)si, (void)userdata;
        (void)sd_notify(0, "STOPPING=1");
        return sd_event_exit(sd_event_source_get_event(src), 0);
}

int verb_serve(int argc, char **argv) {
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                             {"listen", required_argument, NULL, 'l'},
                                             {"dir", required_argument, NULL, 'd'},
                                             {}};
        const char *listen_on = NULL, *dir = NULL;
        int o;
        while ((o = getopt_long(argc, argv, "hl:d:", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf("用法: dutyctl [-c FILE] serve [--listen 地址:端口] [--dir 目录]\n"
                               "在前台提供日历订阅（GET /feeds/<令牌>/<日历名>.ics），直到 Ctrl-C 或 SIGTERM。\n"
                               "先像 feeds write 一样把日历写入目录，再从这些文件提供。\n"
                               "  --listen  监听地址，默认 server.listen（" DEFAULT_LISTEN
                               "）；端口 0 = 任选\n"
                               "  --dir     日历文件目录，默认 feeds.dir，否则 状态目录/feeds\n"
                               "由 systemd 传入套接字时使用传入的套接字。SIGHUP：重新生成日历、重读令牌。\n");
                        return 0;
                case 'l': listen_on = optarg; break;
                case 'd': dir = optarg; break;
                default: return EXIT_USAGE;
                }
        }
        if (optind < argc)
                return EXIT_USAGE;
        Server sv = {0};
        int ret = 1;
        sd_event *e = NULL;
        Httpd *h = NULL;
        sd_event_source *tick = NULL;
        int r = ctl_load_config(&sv.config);
        if (r)
                return r;
        if (open_tokens(sv.config, &sv.store) < 0)
                goto out;
        sv.dir = dir ? strdup(dir) : feeds_default_dir(sv.config, ctl_state_dir(sv.config));
        if (!sv.dir)
                goto out;
        if ((r = feed_cache_new(&sv.cache)) < 0 || (r = server_render(&sv)) < 0) {
                fprintf(stderr, "生成日历到 %s 失败：%s\n", sv.dir, strerror(-r));
                goto out;
        }
        if ((r = sd_event_default(&e)) < 0 ||
            (r = sd_event_add_signal(e, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_term, &sv)) <
                    0 ||
            (r = sd_event_add_signal(e, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_term, &sv)) <
                    0 ||
            (r = sd_event_add_signal(e, NULL, SIGHUP | SD_EVENT_SIGNAL_PROCMASK, on_hup, &sv)) <
                    0 ||
            (r = sd_event_add_time_relative(e, &tick, clock_delay_id(), 60 * 1000000ULL, 0, on_tick,
                                            &sv)) < 0) {
                fprintf(stderr, "事件循环初始化失败：%s\n", strerror(-r));
                goto out;
        }
        ServerConfig scfg = sv.config->server;
        if (listen_on)
                scfg.listen = (char *)listen_on;
        r = httpd_new(e, &scfg, sv.cache, &h);
        if (r < 0) {
                fprintf(stderr, "无法监听 %s：%s\n", scfg.listen ? scfg.listen : DEFAULT_LISTEN,
                        strerror(-r));
                goto out;
        }
        for (size_t i = 0; i < httpd_n_listeners(h); i++) {
                char a[80];
                httpd_listener_address(h, i, a, sizeof(a));
                fprintf(stderr, "正在监听 http://%s/feeds/<令牌>/<日历名>.ics（共 %zu 个日历）\n",
                        a, sv.cache->n);
        }
        fflush(stderr);
        (void)sd_notify(0, "READY=1\nSTATUS=正在提供日历订阅");
        r = sd_event_loop(e);
        ret = r < 0 ? 1 : 0;
out:
        httpd_free(h);
        sd_event_source_unref(tick);
        sd_event_unref(e);
        feed_cache_free(sv.cache);
        free(sv.dir);
        store_close(sv.store);
        config_free(sv.config);
        return ret;
}
