/* i18n.h — messages for people through gettext (text domain "dutyd", catalogs in po/): _()
 * translates, P_() picks a plural form, N_() marks a string translated later, where it is
 * shown (a static message handed back by a pure function). The source strings are English; po/zh_CN.po holds the
 * Chinese. Reminders, calendars and pages for the officials are Chinese whatever the locale and
 * are not marked. i18n_setup() is called once by each program's main(). */
#pragma once
#include <libintl.h>

#define DUTYD_TEXTDOMAIN "dutyd"
#define _(s) dgettext(DUTYD_TEXTDOMAIN, s)
#define N_(s) (s)
/* The singular or plural form for the count n (the catalog's Plural-Forms). */
#define P_(s, p, n) dngettext(DUTYD_TEXTDOMAIN, s, p, n)

/* The user's locale (else C.UTF-8), and the catalogs: $DUTYD_LOCALEDIR when set (a build tree,
 * the tests), else the installed ones. */
void i18n_setup(void);
