/* test-reloader.c — the config read off the loop, on a real sd_event loop: a read gives its
 * result to `done` on the loop; a bad file gives -EINVAL with its diagnostics, and so does a
 * secret that is a FIFO, at once (so a read always ends); requests while a read runs make one
 * more read, of the newest file, and `done` runs once, for it; freeing the reloader during a
 * read waits for it and drops the result (ASan: nothing leaks). */
#include "testutil.h"

#include <sys/stat.h>
#include <systemd/sd-event.h>

#include "reloader.h"

typedef struct Fx {
        char dir[40];
        char path[64];
        sd_event *e;
        Reloader *r;
        int calls, error;
        Config *c;
        size_t n_errors;
        bool had_diags;
} Fx;

/* Writes the config under the reloader's path at once (rename), as an editor does. */
static void write_config(Fx *f, const char *org, const char *extra) {
        char tmp[80];
        snprintf(tmp, sizeof(tmp), "%s/next.yaml", f->dir);
        FILE *o = fopen(tmp, "w");
        assert_non_null(o);
        const char *top = getenv("DUTYD_TOP");
        fprintf(o,
                "holidays: %s/config/holidays-cn.yaml\n"
                "organization: {name: %s}\n"
                "posts:\n"
                "  - {id: zz, name: 镇长}\n"
                "duties:\n"
                "  - {id: m, post: zz, title: 安全生产工作会议, kind: meeting, rule: 每月至少1次%s}\n",
                top ? top : ".", org, extra);
        assert_int_equal(fclose(o), 0);
        assert_int_equal(rename(tmp, f->path), 0);
}

static void on_done(void *userdata, int error, Config *c, const Diags *diags) {
        Fx *f = userdata;
        f->calls++;
        f->error = error;
        config_free(f->c);
        f->c = c;
        f->had_diags = diags != NULL;
        f->n_errors = diags ? diags->n_errors : 0;
}

static int setup(void **state) {
        Fx *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        strcpy(f->dir, "/tmp/dutyd-reloader-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "%s/dutyd.yaml", f->dir);
        assert_int_equal(sd_event_new(&f->e), 0);
        assert_int_equal(reloader_new(f->e, f->path, on_done, f, &f->r), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fx *f = *state;
        reloader_free(f->r);
        sd_event_unref(f->e);
        config_free(f->c);
        rm_tree(f->dir);
        free(f);
        return 0;
}

/* Runs the loop until `done` has run `n` times in all. */
static void run_until(Fx *f, int n) {
        while (f->calls < n)
                assert_true(sd_event_run(f->e, 10 * 1000 * 1000) >= 0);
}

#define today day_from_ymd(2026, 12, 13)

static void test_read(void **state) {
        Fx *f = *state;
        write_config(f, "测试镇", "");
        Config *c = NULL;
        Diags d = {0};
        assert_int_equal(reloader_read(f->path, today, &c, &d), 0);
        assert_non_null(c);
        assert_string_equal(c->org_name, "测试镇");
        config_free(c);
        diags_done(&d);
        write_config(f, "测试镇", ", bogus: 1");
        assert_int_equal(reloader_read(f->path, today, &c, &d), -EINVAL);
        assert_null(c);
        assert_int_equal(d.n_errors, 1);
        diags_done(&d);
}

/* A secret that is a FIFO (no writer): refused at once, not waited for, so that a read always
 * ends and stopping during one never hangs. */
static void test_fifo_secret(void **state) {
        Fx *f = *state;
        char fifo[80], extra[200];
        snprintf(fifo, sizeof(fifo), "%s/hook.secret", f->dir);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        snprintf(extra, sizeof(extra),
                 "}\nchannels:\n  - {id: hook, type: webhook, url: \"https://hook.example/x\", "
                 "secret: {file: %s}}\nroutes:\n  - {channels: [hook]",
                 fifo);
        write_config(f, "测试镇", extra);
        alarm(10); /* the old read blocked here for good */
        Config *c = NULL;
        Diags d = {0};
        assert_int_equal(reloader_read(f->path, today, &c, &d), -EINVAL);
        alarm(0);
        assert_null(c);
        assert_int_equal(d.n_errors, 1);
        bool named = false;
        for (size_t i = 0; i < d.n; i++)
                named |= !d.items[i].warning && strstr(d.items[i].msg, "is not a regular file");
        assert_true(named);
        diags_done(&d);
}

static void test_reload(void **state) {
        Fx *f = *state;
        write_config(f, "测试镇", "");
        assert_int_equal(reloader_start(f->r, today), 0);
        assert_true(reloader_busy(f->r));
        run_until(f, 1);
        assert_false(reloader_busy(f->r));
        assert_int_equal(f->error, 0);
        assert_true(f->had_diags);
        assert_non_null(f->c);
        assert_string_equal(f->c->org_name, "测试镇");
        /* Another read with the same reloader. */
        write_config(f, "测试镇", ", bogus: 1");
        assert_int_equal(reloader_start(f->r, today), 0);
        run_until(f, 2);
        assert_int_equal(f->error, -EINVAL);
        assert_null(f->c);
        assert_true(f->had_diags);
        assert_int_equal(f->n_errors, 1);
}

static void test_newest_wins(void **state) {
        Fx *f = *state;
        write_config(f, "甲镇", "");
        assert_int_equal(reloader_start(f->r, today), 0);
        /* Whether the first read has ended or not, the loop has not joined it: these wait. */
        write_config(f, "乙镇", "");
        assert_int_equal(reloader_start(f->r, today), 1);
        write_config(f, "丙镇", "");
        assert_int_equal(reloader_start(f->r, today), 1);
        assert_true(reloader_busy(f->r));
        run_until(f, 1);
        assert_int_equal(f->error, 0);
        assert_string_equal(f->c->org_name, "丙镇");
        /* No second `done`: the first read's result was dropped. */
        for (int i = 0; i < 5; i++)
                assert_true(sd_event_run(f->e, 20 * 1000) >= 0);
        assert_int_equal(f->calls, 1);
        assert_false(reloader_busy(f->r));
}

static void test_free_during_read(void **state) {
        Fx *f = *state;
        write_config(f, "测试镇", "");
        assert_int_equal(reloader_start(f->r, today), 0);
        assert_int_equal(reloader_start(f->r, today), 1);
        f->r = reloader_free(f->r);
        assert_int_equal(f->calls, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_read, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fifo_secret, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
                cmocka_unit_test_setup_teardown(test_newest_wins, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_during_read, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
