/* snapshot.h — the compiled config: a loaded Config kept in a file of the user's cache (flat.h),
 * so that the next dutyctl run on an unchanged config reads it back instead of parsing the YAML
 * (a province's 1,000,000 assignments: seconds of libyaml, issue #10).
 * Contract: snapshot_load() answers only for exactly what config_load() would read now: the same
 * main file, conf.d folder and drop-ins and holiday data, and the main file's folder (device,
 * inode, size, modification and change times to the nanosecond), the years of `today`
 * and of a year on (which provisional holidays exist, what is warned about, the year of a date
 * written without one), the same language of messages and
 * the same program file (the layout of the structs). Otherwise — no file, another key, a file or
 * folder not the user's own or writable by others, a damaged file — it returns a negative errno
 * and says nothing: the caller parses. snapshot_save() writes atomically (a temporary file
 * renamed), best effort, and is silent too. Where: $DUTYD_CACHE_DIR, else
 * $XDG_CACHE_HOME/dutyd, else $HOME/.cache/dutyd; DUTYD_CACHE_DIR=off turns it off. Secrets are
 * never in it (they are read apart, secrets.h). */
#pragma once
#include "config.h"
#include "date.h"
#include "diag.h"

/* 0 with *ret and the load's warnings added to `warnings`; -ENOENT when there is none to use,
 * -ESTALE when an input changed, -EBADMSG, -EPERM or -ENOMEM. */
int snapshot_load(const char *path, Day today, Config **ret, Diags *warnings);
/* Keeps `c`, loaded from `path` on `today` with the warnings of `diags`. 0 or a negative errno. */
int snapshot_save(const char *path, const Config *c, Day today, const Diags *diags);
