/* load.h — reads a configuration from YAML (libyaml events, table-driven keys).
 * Contract: config_load() reads the main file plus conf.d/NAME.yaml drop-ins and the holiday data
 * file, validates everything, and returns either a complete Config (config.h) or a negative
 * errno with every error in `diags` (FILE:LINE:COLUMN: message, in reading order). Nothing is
 * half-loaded. Secrets are read apart (secrets.h, included), by the programs that send only. */
#pragma once
#include "config.h"
#include "date.h"
#include "diag.h"
#include "secrets.h" /* config_load_secrets() */

/* The Makefile's places (SYSCONFDIR, DATADIR), for a compiler run without it. */
#ifndef DUTYD_SYSCONFDIR
#define DUTYD_SYSCONFDIR "/etc"
#endif
#ifndef DUTYD_DATADIR
#define DUTYD_DATADIR "/usr/local/share/dutyd"
#endif
/* Where units/dutyd.service loads credentials from (LoadCredential=dutyd:…); {credential: X}
 * is read from there when there is no $CREDENTIALS_DIRECTORY. */
#define CREDENTIALS_FOLDER DUTYD_SYSCONFDIR "/dutyd/credentials"
/* …as the credential "dutyd", whose files systemd names CREDENTIAL_PREFIX FILE. */
#define CREDENTIAL_PREFIX "dutyd_"

/* Loads `path` (and its conf.d). Returns 0 with *ret, or a negative errno; errors and warnings go
 * to `diags` either way. `today` decides which missing holiday years are warned about. */
int config_load(const char *path, Day today, Config **ret, Diags *diags);
/* Default config path: $DUTYD_CONFIG, else /etc/dutyd/dutyd.yaml. */
const char *config_default_path(void);
