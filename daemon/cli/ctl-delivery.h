/* ctl-delivery.h — dutyctl verbs of the delivery module (see ctl.h for the verb contract).
 *   dutyctl send-test CHANNEL    queue one test message to CHANNEL, send it now (one attempt,
 *                                at most the channel timeout + 5 s), print the outcome; exit 0/1
 *   dutyctl outbox [--failed] [--json]   the outbox as an aligned table (or JSON Lines) */
#pragma once

int verb_send_test(int argc, char **argv);
int verb_outbox(int argc, char **argv);
