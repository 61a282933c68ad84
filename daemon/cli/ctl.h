/* ctl.h — shared plumbing of dutyctl's verbs (one verb = one `int verb_x(int argc, char **argv)`).
 * Contract: verbs parse their own options with getopt_long (argv[0] is the verb name), print
 * user-facing text in Chinese, and return a process exit status (0, 1, 2 usage, 78 config). */
#pragma once
#include <stdbool.h>

#include "config.h"
#include "date.h"
#include "ledger.h"

#define EXIT_USAGE 2
#define EXIT_CONFIG 78

/* Path from -c, else $DUTYD_CONFIG, else /etc/dutyd/dutyd.yaml. */
extern const char *arg_config;
/* Whether ctl_load_config() prints warnings (only `check` does; errors are always printed). */
extern bool ctl_show_warnings;
/* Parse the YAML, neither reading nor writing a compiled config (`dutyctl check`: the file
 * itself is what it checks, and it leaves nothing behind). */
extern bool ctl_parse_config;
/* Loads arg_config; prints its diagnostics to stderr. Returns 0, or EXIT_CONFIG. */
int ctl_load_config(Config **ret);
/* A verb's work once the config is loaded: an exit status. */
typedef int (*CtlRun)(Config *c, const void *args);
/* Loads the config, runs `run` with it and `args`, frees it: run's exit status, or the
 * loader's. */
int ctl_with_config(CtlRun run, const void *args);
/* Today in the organisation's zone (clock.h). */
Day ctl_today(const Config *c);
/* For a long listing, before anything is written to stdout: stdout fully buffered in 64 KiB
 * when it is not a terminal (a terminal keeps its line buffering). */
void ctl_bulk_output(void);
/* The weekday of d, short, in the user's language ("Mon", 一). */
const char *ctl_weekday(Day d);
/* An occurrence's state for the operator ("done late", 逾期完成); the report keeps ledger.h's. */
const char *ctl_status_text(const OccStatus *st);
const char *ctl_state_text(OccState s);
/* Who runs dutyctl ($SUDO_USER, else the real user's name), as it was before
 * ctl_open_store() switched users: what the records name as the one who acted. */
const char *ctl_invoker(void);
/* The state folder: $STATE_DIRECTORY, else config `state`, else /var/lib/dutyd. */
const char *ctl_state_dir(const Config *c);
/* Opens the state database and creates the completions table. Run as root against a state
 * folder owned by another user (the daemon's `dutyd`), it first becomes that user, so files it
 * creates stay usable by the daemon; anyone else needs to be in the folder's group. Prints the
 * error and what to do about it; returns 0 or 1. */
typedef struct Store Store;
int ctl_open_store(const Config *c, Store **ret);
