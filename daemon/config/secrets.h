/* secrets.h — reads the channels' secrets (config.h, Secret), apart from loading the config.
 * Contract: config_load_secrets() reads every secret the channels name: a file's content, or a
 * systemd credential ($CREDENTIALS_DIRECTORY/NAME, else CREDENTIALS_FOLDER/NAME of load.h),
 * less trailing spaces and line ends; at most the first 4095 bytes are read, and an empty or
 * non-text (NUL byte) value is an error, as is a file that is not a regular one (a FIFO is
 * never waited for). Errors name the file and where the secret was set,
 * never the content; a value is wiped before it is freed (config_free()). Only the daemon and
 * the commands that send call this, so reading the schedule needs no access to secrets.
 * Returns 0, or the last negative errno with every error in `diags`. */
#pragma once
#include "config.h"
#include "diag.h"

int config_load_secrets(Config *c, Diags *diags);
