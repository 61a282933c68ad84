/* i18n.c — see i18n.h. */
#include "i18n.h"

#include <locale.h>
#include <stdlib.h>

#ifndef DUTYD_LOCALEDIR
#define DUTYD_LOCALEDIR "/usr/local/share/locale"
#endif

void i18n_setup(void) {
        /* Text is UTF-8 throughout: a locale that cannot be set leaves C.UTF-8, not C. */
        if (!setlocale(LC_ALL, ""))
                (void)setlocale(LC_ALL, "C.UTF-8");
        const char *dir = getenv("DUTYD_LOCALEDIR");
        (void)bindtextdomain(DUTYD_TEXTDOMAIN, dir && *dir ? dir : DUTYD_LOCALEDIR);
        (void)bind_textdomain_codeset(DUTYD_TEXTDOMAIN, "UTF-8");
}
