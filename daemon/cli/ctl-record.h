/* ctl-record.h — dutyctl verbs for the record of duties performed: done, undo, history. */
#pragma once

int verb_done(int argc, char **argv);
int verb_undo(int argc, char **argv);
int verb_history(int argc, char **argv);
