/* The table printer of dutyctl: a row printed from measured cells (the one-write line of
 * `upcoming`) is the same text as the plain row printer's, for Chinese cells aligned by display
 * width and for a cell too long for the line buffer (its cell-by-cell path). */
#include "testutil.h"

#include "table.h"

#define COLS 3

/* The row as table_print_row() and as table_print_row_measured() write it, compared. */
static void same_row(const char *const cells[COLS], const int widths[COLS]) {
        char *plain = NULL, *measured = NULL;
        size_t plain_n = 0, measured_n = 0;
        FILE *f = open_memstream(&plain, &plain_n);
        assert_non_null(f);
        table_print_row(f, widths, COLS, cells);
        assert_int_equal(fclose(f), 0);
        size_t lens[COLS];
        int w[COLS];
        for (size_t c = 0; c < COLS; c++) {
                lens[c] = strlen(cells[c]);
                w[c] = utf8_width(cells[c]);
        }
        f = open_memstream(&measured, &measured_n);
        assert_non_null(f);
        table_print_row_measured(f, widths, COLS, cells, lens, w);
        assert_int_equal(fclose(f), 0);
        assert_string_equal(measured, plain);
        free(plain);
        free(measured);
}

static void aligned_by_display_width(void **s) {
        (void)s;
        const char *const head[COLS] = {"截止", "岗位", "事项"};
        const char *const row[COLS] = {"2026-12-31", "镇长", "安全生产例会"};
        int widths[COLS] = {0};
        table_widths(widths, COLS, head);
        table_widths(widths, COLS, row);
        assert_int_equal(widths[0], 10);
        assert_int_equal(widths[1], 4);
        assert_int_equal(widths[2], 12);
        char *out = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&out, &n);
        assert_non_null(f);
        table_print_row(f, widths, COLS, head);
        assert_int_equal(fclose(f), 0);
        /* 截止 is 4 columns wide: 6 spaces to fill 10, then 2 between columns. */
        assert_string_equal(out, "截止        岗位  事项\n");
        free(out);
        same_row(head, widths);
        same_row(row, widths);
}

static void giant_cell(void **s) {
        (void)s;
        size_t big = 9000; /* more than a line's buffer */
        char *title = malloc(big + 1);
        assert_non_null(title);
        memset(title, 'x', big);
        title[big] = '\0';
        const char *const row[COLS] = {"2026-12-31", title, "镇长"};
        const char *const other[COLS] = {"2027-01-05", "检查", "副镇长"};
        int widths[COLS] = {0};
        table_widths(widths, COLS, row);
        table_widths(widths, COLS, other);
        assert_int_equal(widths[1], (int)big);
        same_row(row, widths);
        same_row(other, widths); /* padded to the giant width: also past the buffer */
        free(title);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(aligned_by_display_width),
                cmocka_unit_test(giant_cell),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
