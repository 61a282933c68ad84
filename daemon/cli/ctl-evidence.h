/* ctl-evidence.h — the evidence files of the record handed over with it:
 * `dutyctl report … --evidence-dir DIR` copies the files of the completions the report covers
 * (dated in its period or year; with --person, theirs) into DIR, each named
 * "DATE-ID-NAME" (the completion's date and number, the file's cleaned display name), the
 * names the workbook's and history's 证明材料 column shows beside them.
 * Contract: DIR is created if missing (0750); a file already there with the same bytes is
 * kept, one with other bytes is an error (nothing is overwritten); the count is printed. 0 or
 * a negative errno (the message printed). */
#pragma once
#include <sys/types.h>

#include "config.h"
#include "date.h"
#include "store.h"

int ctl_evidence_copy(const Config *c, Store *s, Day from, Day to, ssize_t person, const char *dir);
