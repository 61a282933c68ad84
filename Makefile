# dutyd — build, test, install, bench.  See README.md.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
# `make install` on the live system (no DESTDIR) also creates the user and updates the catalog.
SYSTEM_SETUP ?= $(if $(DESTDIR),0,1)
DATADIR ?= $(PREFIX)/share/dutyd
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
LOCALEDIR ?= $(PREFIX)/share/locale
# dutyctl-full, the dutyctl with every verb, which dutyctl runs for the verbs it leaves out.
LIBEXECDIR ?= $(PREFIX)/libexec/dutyd
# The release, as debian/changelog's top entry says (tests/test-manpages.sh checks they agree).
VERSION := 0.9.0

# gcc unless the caller names a compiler (make's own default CC is cc).
ifeq ($(origin CC),default)
CC := gcc
endif
PKGS := yaml-0.1 libical libcurl libsystemd sqlite3 libmicrohttpd jansson libcrypto libmagic \
	lunar-date-3.0 glib-2.0 xlsxwriter
WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
# CI (CI=true) builds warning-free or not at all.
ifeq ($(CI),true)
WERROR ?= 1
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif
BUILD ?= build
# Debian's hardening (dpkg-buildflags, "hardening=+all"): stack protector and clash protection,
# CET, fortified libc calls (not under the sanitizers, which replace them), full RELRO, PIE.
HARDEN := -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE
LDHARDEN := -Wl,-z,relro -Wl,-z,now -pie
ifeq ($(SAN),1)
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else ifeq ($(SAN),thread)
CFLAGS += -O1 -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS += -fsanitize=thread
else
HARDEN += -D_FORTIFY_SOURCE=2
endif
ALL_CFLAGS := -std=gnu17 -D_GNU_SOURCE $(WARN) $(HARDEN) $(CFLAGS) \
	$(shell pkg-config --cflags $(PKGS)) \
	-DDUTYD_SYSCONFDIR='"$(SYSCONFDIR)"' -DDUTYD_DATADIR='"$(DATADIR)"' \
	-DDUTYD_VERSION='"$(VERSION)"' -DDUTYD_LOCALEDIR='"$(LOCALEDIR)"' \
	-DDUTYD_LIBEXECDIR='"$(LIBEXECDIR)"' -MMD -MP
ALL_LDFLAGS := $(LDHARDEN) $(LDFLAGS)
# liblunar-date and glib are opened at first use (daemon/config/statutory.c): headers only.
LIBS := $(shell pkg-config --libs $(filter-out lunar-date-3.0 glib-2.0,$(PKGS))) -lm

# The sources in layers (daemon/README.md): each layer sees the headers of the layers below it
# only, so an include that goes upwards does not compile.
LAYERS := core config state feeds edge service cli
INC_core := core
INC_config := core config
export INC_core INC_config
INC_state := $(INC_config) state
INC_feeds := $(INC_state) feeds
INC_edge := $(INC_feeds) edge
INC_service := $(INC_edge) service
INC_cli := $(INC_edge) cli
INC_all := $(addprefix -Idaemon/,$(LAYERS))
MAINS := daemon/service/dutyd.c daemon/cli/dutyctl.c
LIB_SRC := $(filter-out $(MAINS),$(wildcard $(addsuffix /*.c,$(addprefix daemon/,$(LAYERS)))))
LIB_OBJ := $(patsubst daemon/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
TEST_SRC := $(wildcard tests/unit/test-*.c)
TEST_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
PROGS := $(BUILD)/dutyd $(BUILD)/dutyctl $(BUILD)/dutyctl-full
# Man pages: dutyd(8), dutyctl(1), dutyd.yaml(5), written in scdoc (docs/man/).
MANS := $(patsubst docs/man/%.scd,$(BUILD)/man/%,$(wildcard docs/man/*.scd))
# Message catalogs (core/i18n.h): po/LANG.po → LANG/LC_MESSAGES/dutyd.mo.
MOS := $(patsubst po/%.po,$(BUILD)/locale/%/LC_MESSAGES/dutyd.mo,$(wildcard po/*.po))
# What xgettext reads: _(), P_() and N_() (also in the verb tables of cli/*.h), the phrase
# parser's FAIL(cursor, message) and the config loader's err_at(), diags_add() and the YAML
# reader's problem() (their format arguments).
XGETTEXT := xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=P_:1,2 --keyword=FAIL:2 \
	--keyword=err_at:3 --keyword=diags_add:6 --keyword=problem:4 \
	--package-name=dutyd --msgid-bugs-address=dutyd@example.org

.PHONY: all test unit check-style install uninstall deps bench bench-deps clean asan
all: $(PROGS) $(MANS) $(MOS)
	@ln -sf $(BUILD)/dutyd dutyd; ln -sf $(BUILD)/dutyctl dutyctl

$(BUILD)/obj/%.o: daemon/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(addprefix -Idaemon/,$(INC_$(firstword $(subst /, ,$*)))) -c $< -o $@

$(BUILD)/libdutyd.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The programs' objects are kept (not intermediate), so a second make links nothing.
.SECONDARY: $(patsubst daemon/%.c,$(BUILD)/obj/%.o,$(MAINS)) $(BUILD)/obj/cli/dutyctl-lite.o

$(BUILD)/dutyd: $(BUILD)/obj/service/dutyd.o $(BUILD)/libdutyd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# dutyctl: the verbs that need neither libcurl, libmicrohttpd nor libxlsxwriter (ctl-verbs.h);
# --as-needed keeps those libraries out of it. dutyctl-full: every verb.
$(BUILD)/obj/cli/dutyctl-lite.o: daemon/cli/dutyctl.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DDUTYCTL_LITE $(addprefix -Idaemon/,$(INC_cli)) -c $< -o $@

$(BUILD)/dutyctl: $(BUILD)/obj/cli/dutyctl-lite.o $(BUILD)/libdutyd.a
	$(CC) $(ALL_LDFLAGS) -Wl,--as-needed -o $@ $^ $(LIBS)

$(BUILD)/dutyctl-full: $(BUILD)/obj/cli/dutyctl.o $(BUILD)/libdutyd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/locale/%/LC_MESSAGES/dutyd.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# The template translators start from (tests/test-i18n.sh checks every message is translated).
POT ?= po/dutyd.pot
.PHONY: pot
pot:
	$(XGETTEXT) -o $(POT) $(sort $(wildcard daemon/*/*.c daemon/cli/*.h))

$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(dir $@)
	scdoc <$< >$@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdutyd.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(INC_all) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libdutyd.a \
		$(LIBS) -lcmocka

unit: $(TEST_BIN)

asan:
	$(MAKE) BUILD=build/asan SAN=1 all unit

# The unit tests whose code runs threads (feed rendering, the feed build worker, the sender's
# test server, the zone table, the reloader): also under ThreadSanitizer.
TSAN_TESTS := test-feedbuild test-ical test-sender test-tz test-reloader

# The whole suite: unit tests (plain, ASan+UBSan, and TSan for the threaded ones), golden config
# tests, integration tests.
test: all unit browser-deps
	$(MAKE) --no-print-directory BUILD=build/asan SAN=1 $(PROGS:build/%=build/asan/%) \
		$(TEST_BIN:build/%=build/asan/%)
	$(MAKE) --no-print-directory BUILD=build/tsan SAN=thread \
		$(addprefix build/tsan/tests/,$(TSAN_TESTS))
	tests/run

# The seam: the pure core and the config layer compile with no header of SQLite, libcurl,
# libmicrohttpd or systemd reachable (each is shadowed by one that stops the compiler), and each
# with its own layer's include path only. SEAM_PROBE=FILE.c compiles one more file as core
# (tests/test-seam.sh proves with it that the check can fail).
SEAM_POISON := sqlite3.h curl/curl.h curl/multi.h microhttpd.h systemd/sd-event.h \
	systemd/sd-daemon.h systemd/sd-journal.h systemd/sd-bus.h systemd/sd-id128.h
SEAM_CFLAGS = -std=gnu17 -D_GNU_SOURCE $(WARN) -fsyntax-only -I$(BUILD)/seam/include \
	-DDUTYD_SYSCONFDIR='"$(SYSCONFDIR)"' -DDUTYD_DATADIR='"$(DATADIR)"' \
	$(shell pkg-config --cflags yaml-0.1 libical jansson libcrypto lunar-date-3.0)
.PHONY: seam
seam:
	@rm -rf $(BUILD)/seam && mkdir -p $(BUILD)/seam/include/curl $(BUILD)/seam/include/systemd
	@for h in $(SEAM_POISON); do \
		echo "#error \"the pure layers must not use $$h\"" >$(BUILD)/seam/include/$$h; done
	@for l in core config; do for f in daemon/$$l/*.c; do \
		$(CC) $(SEAM_CFLAGS) $$(for i in $$(eval echo \$$INC_$$l); do echo -Idaemon/$$i; done) $$f \
			|| { echo "seam: $$f"; exit 1; }; done; done
	@if [ -n "$(SEAM_PROBE)" ]; then $(CC) $(SEAM_CFLAGS) $(addprefix -Idaemon/,$(INC_core)) \
		$(SEAM_PROBE) || { echo "seam: $(SEAM_PROBE)"; exit 1; }; fi
	@echo "seam: daemon/core and daemon/config use no SQLite, curl, microhttpd or systemd header"

check-style:
	bash tests/test-style.sh

# The user and group `dutyd` come from sysusers.d (created here at once on a live system, at
# boot otherwise); the credentials folder is root's only (tmpfiles.d recreates it at boot).
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CATALOGDIR) \
		$(DESTDIR)$(DATADIR)/examples $(DESTDIR)$(SYSCONFDIR)/dutyd/conf.d \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/dutyd/credentials
	install -m 644 units/dutyd.sysusers $(DESTDIR)$(SYSUSERSDIR)/dutyd.conf
	sed 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' units/dutyd.tmpfiles >$(DESTDIR)$(TMPFILESDIR)/dutyd.conf
	install -m 755 $(BUILD)/dutyd $(BUILD)/dutyctl $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(BUILD)/dutyctl-full $(DESTDIR)$(LIBEXECDIR)/
	install -m 644 config/holidays-cn.yaml $(DESTDIR)$(DATADIR)/
	install -m 644 config/examples/*.yaml $(DESTDIR)$(DATADIR)/examples/
	test -e $(DESTDIR)$(SYSCONFDIR)/dutyd/dutyd.yaml || \
		install -m 644 config/dutyd.yaml $(DESTDIR)$(SYSCONFDIR)/dutyd/dutyd.yaml
	test -e $(DESTDIR)$(SYSCONFDIR)/dutyd/holidays-cn.yaml || \
		install -m 644 config/holidays-cn.yaml $(DESTDIR)$(SYSCONFDIR)/dutyd/holidays-cn.yaml
	for u in units/*.service units/*.socket; do [ -e "$$u" ] || continue; \
		sed 's|@BINDIR@|$(BINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' $$u \
		> $(DESTDIR)$(UNITDIR)/$$(basename $$u); done
	for c in units/*.catalog; do [ -e "$$c" ] || continue; \
		install -m 644 $$c $(DESTDIR)$(CATALOGDIR)/; done
	for m in $(MANS); do s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
		install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	for m in $(MOS); do l=$${m#$(BUILD)/locale/}; l=$${l%%/*}; \
		install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES; \
		install -m 644 $$m $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/dutyd.mo; done
	install -d $(DESTDIR)$(COMPLETIONDIR)
	install -m 644 completion/dutyctl $(DESTDIR)$(COMPLETIONDIR)/dutyctl
	install -d $(DESTDIR)$(PREFIX)/share/doc/dutyd
	install -m 644 README.md docs/config.md docs/operations.md $(DESTDIR)$(PREFIX)/share/doc/dutyd/
	if [ "$(SYSTEM_SETUP)" = 1 ] && command -v journalctl >/dev/null; then \
		journalctl --update-catalog || true; fi
	if [ "$(SYSTEM_SETUP)" = 1 ] && command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/dutyd.conf; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dutyd $(DESTDIR)$(BINDIR)/dutyctl
	rm -rf $(DESTDIR)$(LIBEXECDIR)
	rm -rf $(DESTDIR)$(DATADIR)
	rm -f $(DESTDIR)$(UNITDIR)/dutyd.service $(DESTDIR)$(UNITDIR)/dutyd.socket
	rm -f $(DESTDIR)$(CATALOGDIR)/dutyd.catalog
	rm -f $(DESTDIR)$(SYSUSERSDIR)/dutyd.conf $(DESTDIR)$(TMPFILESDIR)/dutyd.conf
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/dutyd
	rm -f $(DESTDIR)$(COMPLETIONDIR)/dutyctl $(DESTDIR)$(LOCALEDIR)/*/LC_MESSAGES/dutyd.mo
	rm -f $(DESTDIR)$(MANDIR)/man8/dutyd.8 $(DESTDIR)$(MANDIR)/man1/dutyctl.1 \
		$(DESTDIR)$(MANDIR)/man5/dutyd.yaml.5

# Every build and test dependency, from Debian's packages (run as root).
DEB_PKGS := build-essential pkg-config scdoc gettext clang-format clang libclang-rt-14-dev git libyaml-dev libical-dev libcurl4-openssl-dev \
	libsystemd-dev libsqlite3-dev libmicrohttpd-dev libjansson-dev libssl-dev libcmocka-dev \
	liblunar-date-dev libglib2.0-dev libmagic-dev libxlsxwriter-dev \
	sqlite3 faketime bash-completion man-db python3 python3-aiosmtpd python3-openpyxl python3-icalendar python3-prometheus-client vdirsyncer khal \
	debhelper lintian dpkg-dev systemd systemd-container debootstrap wrk hyperfine time strace openssl curl iproute2 procps
# The console's browser test (tests/integration/test-console-browser.sh): headless Chromium and
# a Chinese font for its screenshots (openpyxl, above, reads the report it downloads). Node.js
# and npm (puppeteer-core, `make browser-deps`) come from Debian only when no npm is installed:
# Debian's npm conflicts with the nodejs of NodeSource, which brings its own.
DEB_PKGS += chromium fonts-wqy-microhei
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_PKGS) \
		$$(command -v npm >/dev/null || echo nodejs npm)

# puppeteer-core as tests/browser/package-lock.json pins it, from the npm registry, into
# tests/browser/node_modules (git-ignored); again when the lock file changes. Without npm
# there is nothing to do (the browser test says what is missing).
BROWSER_MODULES := tests/browser/node_modules/.package-lock.json
.PHONY: browser-deps
browser-deps: $(BROWSER_MODULES)
$(BROWSER_MODULES): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
		cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund; \
	else echo "npm is missing (make deps): the browser test cannot run"; fi

# The benchmarks' peers and tools, kept out of `make deps` (the README's setup command must not
# start a web server on the admin's port 80): nginx as the feed server's and the webhook
# receiver's peer, Remind as `dutyctl upcoming`'s, libyaml's event parser (libyaml-dev) as
# `dutyctl check`'s; wrk drives the HTTP peers; python3-yaml reads the holidays for the REM lines.
BENCH_PKGS := nginx-light remind wrk libyaml-dev pkg-config gcc libc6-dev python3 python3-yaml \
	curl strace time
bench-deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(BENCH_PKGS)

bench: all
	bench/run

# Fuzzing (clang's libFuzzer, ASan+UBSan; see tests/fuzz/): builds $(BUILD)/fuzz/fuzz-config and
# fuzz-phrase, then runs each for FUZZ_SECONDS (default 60). New inputs: $(BUILD)/fuzz/corpus-*,
# crashes to $(BUILD)/fuzz/crash-* (minimise with -minimize_crash=1, keep in tests/fuzz/crashes/).
.PHONY: fuzz
fuzz:
	tests/fuzz/build.sh $(BUILD)/fuzz
	mkdir -p $(BUILD)/fuzz/corpus-config $(BUILD)/fuzz/corpus-phrase
	$(BUILD)/fuzz/fuzz-config -max_total_time=$(or $(FUZZ_SECONDS),60) -max_len=20000 -timeout=10 \
		-dict=tests/fuzz/config.dict -artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1 \
		$(BUILD)/fuzz/corpus-config tests/fuzz/corpus-config </dev/null
	$(BUILD)/fuzz/fuzz-phrase -max_total_time=$(or $(FUZZ_SECONDS),60) -max_len=256 -timeout=10 \
		-dict=tests/fuzz/phrase.dict -artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1 \
		$(BUILD)/fuzz/corpus-phrase tests/fuzz/corpus-phrase </dev/null

clean:
	rm -rf build dutyd dutyctl

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/tests/*.d)
