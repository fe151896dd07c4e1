# socks4 — SOCKS 4/4a firewall-traversal kit.
#
#   make run      install what building sockd needs (no test tools), build, run sockd in the
#                 foreground on 127.0.0.1:1080
#   make test     install what is missing, build, run every test: the normal suite, the suite
#                 under ASan+UBSan, sockd's multi-threaded tests under TSan, and a short fuzz
#                 run of every libFuzzer target (ends with one line,
#                 "N passed, N failed, N skipped"; under CI=true a skipped test is a failure)
#   make check    the normal suite only (quick, for developers)
#   make asan | tsan | fuzz | fuzz-smoke   one of those parts alone (see README)
#   make bench    benchmarks: direct vs sockd vs Dante (not part of make test)
#   make install  PREFIX=/usr/local DESTDIR=   (also install-strip, uninstall)
#
# Sources are discovered by directory, so adding a file never means editing this Makefile.
# BUILD selects the output directory (several trees can build side by side).

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SBINDIR  ?= $(PREFIX)/sbin
BINDIR   ?= $(PREFIX)/bin
LIBDIR   ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/socks4
SYSCONFDIR ?= /etc
# systemd's unit directory (pkg-config systemd, else Debian's); the units are installed when
# etc/ has them.
SYSTEMD_UNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
UNIT_FILES := $(wildcard etc/sockd.service etc/sockd.socket)

CXX      ?= g++
OPTFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Werror -pthread -fPIC $(OPTFLAGS) $(SANFLAGS)
CPPFLAGS += -Ilibsocks/include -MMD -MP
LDFLAGS  += -pthread $(SANFLAGS)
EVENT_LIBS := -levent_core -levent_extra -levent_pthreads
# sd_notify and sd_listen_fds (Type=notify, socket activation): sockd only.
SYSTEMD_LIBS := -lsystemd
GTEST_LIBS := -lgtest -lpthread

VERSION  := 0.1.0
comma    := ,
CPPFLAGS += -DSOCKS4_VERSION=\"$(VERSION)\"

# libsocks/ by audience: core/ (wire codec, name policy, the remote-name table), conf/ (the NEC
# line syntax and socks.conf, and the shell-command %-substitution both files share), client/
# (the runtime behind socks.h). sockd's own grammar and the identd answers it parses live in
# server/conf/ and go into libsockd.a only: libsocks.so and libsocksify.so never carry them.
LIBSOCKS_SRCS := $(wildcard libsocks/*/*.cc)
SOCKD_CONF_SRCS := $(wildcard server/conf/*.cc)
# The stats listener (metrics and status page): server/stats/.
SOCKD_STATS_SRCS := $(wildcard server/stats/*.cc)
SERVER_SRCS   := $(wildcard server/*.cc) $(SOCKD_CONF_SRCS) $(SOCKD_STATS_SRCS)
# Everything of sockd but main(), so unit tests can link the server's pure parts.
SERVER_LIB_SRCS := $(filter-out server/main.cc,$(SERVER_SRCS))
SUPPORT_SRCS  := $(wildcard tests/support/*.cc)
UNIT_SRCS     := $(wildcard tests/unit/*.cc)
INTEG_SRCS    := $(wildcard tests/integration/*.cc)
E2E_SRCS      := $(wildcard tests/e2e/*.cc)
BENCH_SRCS    := $(wildcard bench/*.cc)
# socksify's own files (socksify*.cc) are not part of the preload library.
PRELOAD_SRCS  := $(filter-out preload/socksify%.cc,$(wildcard preload/*.cc))
# socksify: its main and checks, plus the one grammar it shares with the library (-s) and the
# dependency-free text helpers that grammar uses.
# Its seccomp supervisor (supervisor/) answers with the client library's own code, so socksify
# links all of libsocks, built once more without sanitizers and statically (SOCKSIFY_OBJS).
SUPERVISOR_SRCS := $(wildcard supervisor/*.cc)
# Code that runs without the C library (preload/bare_*.h): socksify's fast start, before its C
# library is set up, and the judge of programs, which exec may run in a vfork child. No
# exceptions to unwind, no stack protector (its canary is in thread-local storage, not there yet),
# no loops turned into calls to memcpy or strlen; socksify's link checks with nm that these
# objects call nothing but each other.
BARE_SRCS := preload/socksify_fast_start.cc preload/preload_exec_target.cc
BARE_FLAGS := -fno-exceptions -fno-asynchronous-unwind-tables -fno-stack-protector \
              -fno-tree-loop-distribute-patterns
SOCKSIFY_SRCS := $(filter-out $(BARE_SRCS),$(wildcard preload/socksify*.cc))
SOCKSIFY_HDRS := $(wildcard preload/socksify*.h) preload/preload_exec_target.h
# preload_settings.cc too: the supervisor decides by the preload's own settings (SOCKS_RESOLVE,
# SOCKS_IPV6, SOCKS_UDP).
SOCKSIFY_BARE_OBJS := $(patsubst %.cc,$(BUILD)/socksify-obj/%.o,$(BARE_SRCS))
SOCKSIFY_OBJS := $(patsubst %.cc,$(BUILD)/socksify-obj/%.o,$(SUPERVISOR_SRCS) $(LIBSOCKS_SRCS) \
                   preload/preload_settings.cc) $(SOCKSIFY_BARE_OBJS)

obj = $(patsubst %.cc,$(BUILD)/obj/%.o,$(1))

LIBSOCKS_A := $(BUILD)/libsocks.a
LIBSOCKD_A := $(BUILD)/libsockd.a
SOCKS_SONAME := libsocks.so.0
LIBSOCKS_SO  := $(BUILD)/libsocks.so.$(VERSION)
LIBSOCKS_PC  := $(BUILD)/libsocks.pc
PRELOAD_SO   := $(BUILD)/libsocksify.so
SOCKSIFY     := $(BUILD)/socksify
# rftp and rtelnet: the system's ftp and telnet under socksify (preload/rcommand.sh.in).
R_COMMANDS   := $(BUILD)/rftp $(BUILD)/rtelnet
# A plain BSD-sockets C program SOCKSified with -D renames and -lsocks (tests run it).
PLAIN_CLIENT := $(BUILD)/tests/client_plain_bsd
# Programs socksify must refuse to run (statically linked, Go-like); see socksify_probe.c.
PROBES := $(addprefix $(BUILD)/tests/,probe_static probe_static_pie probe_go_note probe_go_buildinfo)
# Clients the seccomp supervisor must reach (supervisor_test.cc).
SUPERVISED_CLIENTS := $(addprefix $(BUILD)/tests/,supervised_client_static supervised_go_client)
RENAMES := -Dconnect=Rconnect -Dbind=Rbind -Dgetsockname=Rgetsockname -Dlisten=Rlisten \
           -Daccept=Raccept -Dselect=Rselect -Drcmd=Rrcmd -Dgethostbyname=Rgethostbyname
SOCKD      := $(BUILD)/sockd
UNIT_BIN   := $(BUILD)/tests/unit_tests
INTEG_BIN  := $(BUILD)/tests/integration_tests
E2E_BIN    := $(BUILD)/tests/e2e_tests
BENCH_BIN  := $(BUILD)/bench/socksbench
TEST_BINS  := $(if $(UNIT_SRCS),$(UNIT_BIN)) $(if $(INTEG_SRCS),$(INTEG_BIN)) $(if $(E2E_SRCS),$(E2E_BIN))
# Scripts tests/run.sh counts as one test each, in the normal tree only: make install, uninstall
# and install-strip into temporary DESTDIRs; run.sh's and total.sh's own counting.
TEST_SCRIPTS := $(wildcard tests/install_test.sh tests/runner_test.sh)

# Debian packages. BUILD_PKGS is all that building and running sockd needs: `make run` installs
# only those, as it may run on a firewall host. The test toolset is for `make test`/`make deps`:
# on Debian, dante-server and oidentd start services when installed.
BUILD_PKGS := g++ make pkg-config libevent-dev libsystemd-dev
TEST_PKGS  := googletest libgtest-dev curl python3 python3-socks iproute2 netcat-openbsd procps wget tnftp lftp inetutils-ftp \
              telnet git \
              python3-pyftpdlib dante-server dante-client oidentd systemd haproxy \
              golang-go hey busybox-static aria2 chromium python3-prometheus-client prometheus strace
BENCH_PKGS := dante-server haproxy gnuplot-nox
# clang and libFuzzer (libclang_rt.fuzzer) for the fuzz targets; gcc ships ASan/UBSan/TSan.
FUZZ_PKGS  := clang libclang-rt-14-dev

.PHONY: all deps run-deps bench-deps run test check soak bench install install-strip uninstall clean format FORCE \
        asan tsan fuzz fuzz-smoke fuzz-build sanitizer-tests tsan-tests
.DEFAULT_GOAL := all

# A sanitizer tree (make asan/tsan) sets PLAIN_PRELOAD to the normal tree's preload library and
# its socksify runs that one: an instrumented library cannot be injected into the
# uninstrumented programs the preload is for (curl, python3, ...).
PLAIN_PRELOAD ?=
SOCKSIFY_LIB := $(abspath $(or $(PLAIN_PRELOAD),$(PRELOAD_SO)))

all: $(SOCKD) $(LIBSOCKS_A) $(LIBSOCKS_SO) $(LIBSOCKS_PC) \
     $(if $(PRELOAD_SRCS),$(if $(PLAIN_PRELOAD),,$(PRELOAD_SO)) $(SOCKSIFY) $(R_COMMANDS))

tests: $(TEST_BINS) $(PLAIN_CLIENT) $(PROBES) $(SUPERVISED_CLIENTS)

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

# Tests that read files of the source tree (etc/sockd.conf, ...) find it here, whatever BUILD is
# and wherever they run from (tests/support/source_dir.h).
$(BUILD)/obj/tests/%.o: CPPFLAGS += -DSOCKS4_SOURCE_DIR=\"$(CURDIR)\"

$(LIBSOCKS_A): $(call obj,$(LIBSOCKS_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBSOCKS_SO): $(call obj,$(LIBSOCKS_SRCS)) libsocks/libsocks.map
	$(CXX) -shared -Wl,-soname,$(SOCKS_SONAME) -Wl,--version-script,libsocks/libsocks.map \
	  -Wl,--no-undefined $(LDFLAGS) -o $@ $(call obj,$(LIBSOCKS_SRCS))
	ln -sf libsocks.so.$(VERSION) $(BUILD)/$(SOCKS_SONAME)
	ln -sf $(SOCKS_SONAME) $(BUILD)/libsocks.so

# The installation paths that files embed (libsocks.pc, the installed socksify, rftp, rtelnet). The stamp's time
# changes only when its text does: `make install PREFIX=/usr` after a build with the default
# PREFIX rebuilds exactly what names the old paths.
INSTALL_PATHS := prefix=$(PREFIX) libdir=$(LIBDIR) includedir=$(INCLUDEDIR) bindir=$(BINDIR)
PATHS_STAMP := $(BUILD)/install-paths
$(PATHS_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(INSTALL_PATHS)' | cmp -s - $@ || echo '$(INSTALL_PATHS)' > $@
FORCE:

$(LIBSOCKS_PC): Makefile $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	  'Name: libsocks' 'Description: SOCKS 4/4a client library (Rconnect and friends)' \
	  'Version: $(VERSION)' 'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lsocks' \
	  'Libs.private: -lstdc++ -pthread' > $@

$(PLAIN_CLIENT): tests/integration/client_plain_bsd.c $(LIBSOCKS_SO)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(SANFLAGS) $(RENAMES) -o $@ $< \
	  -L$(BUILD) -lsocks -Wl,-rpath,$(abspath $(BUILD))

# Never instrumented: a sanitizer runtime cannot be linked statically, and socksify reads them only.
PROBE_BUILD = @mkdir -p $(dir $@) && $(CC) -std=c11 -Wall -Wextra -Werror $(1) -o $@ $<
$(BUILD)/tests/probe_static: tests/integration/socksify_probe.c
	$(call PROBE_BUILD,-static)
$(BUILD)/tests/probe_static_pie: tests/integration/socksify_probe.c
	$(call PROBE_BUILD,-static-pie)
$(BUILD)/tests/probe_go_note: tests/integration/socksify_probe.c
	$(call PROBE_BUILD,-DPROBE_GO_BUILD_ID_NOTE)
$(BUILD)/tests/probe_go_buildinfo: tests/integration/socksify_probe.c
	$(call PROBE_BUILD,-DPROBE_GO_BUILDINFO)
# socksify's supervisor tests: a static C client, and a Go one built offline with Debian's
# golang-go (standard library only; its caches inside BUILD).
$(BUILD)/tests/supervised_client_static: tests/integration/supervised_client.c
	$(call PROBE_BUILD,-static)
GO_ENV = GOCACHE=$(abspath $(BUILD))/go/cache GOPATH=$(abspath $(BUILD))/go/path GOPROXY=off \
         GOFLAGS= GO111MODULE=off CGO_ENABLED=0
$(BUILD)/tests/supervised_go_client: tests/integration/supervised_go_client.go
	@mkdir -p $(dir $@)
	$(GO_ENV) go build -o $@ $<

# The LD_PRELOAD library: preload/ objects plus libsocks' objects, one self-contained .so.
# libstdc++ and libgcc are linked in (and hidden by the export map): loading the shared
# libstdc++ into every socksified process cost ~4 million instructions of symbol relocation
# (about 1 ms per curl run, see docs/BENCHMARKS.md); linked in, the preload costs ~0.1 ms.
# Sanitizer builds keep the shared runtime, which the sanitizers interpose on.
PRELOAD_RUNTIME := $(if $(SANFLAGS),,-static-libstdc++ -static-libgcc)
$(PRELOAD_SO): $(call obj,$(PRELOAD_SRCS) $(LIBSOCKS_SRCS)) $(wildcard preload/*.map)
	$(CXX) -shared $(if $(wildcard preload/preload.map),-Wl$(comma)--version-script$(comma)preload/preload.map) \
	  -Wl,--no-undefined $(PRELOAD_RUNTIME) $(LDFLAGS) -o $@ $(call obj,$(PRELOAD_SRCS) $(LIBSOCKS_SRCS)) -ldl

# socksify, with the preload library's path built in: the build tree's here, LIBDIR's for
# `make install`. Static and without sanitizers: it only sets the environment and execs, and
# its start-up is part of every socksified command's (see preload/socksify.cc).
# The linker warns that the static glibc's getaddrinfo needs the shared NSS modules at run
# time: the supervisor's lookups of server and local names use them as any program's would.
SOCKSIFY_FLAGS := -std=c++20 -O2 -Wall -Wextra -Werror -pthread -Ilibsocks/include -Isupervisor \
  -Ipreload \
  -DSOCKS4_VERSION=\"$(VERSION)\"
# Its entry point is the fast start's (preload/socksify_fast_start.cc), which returns to glibc's
# _start when main() is to decide.
SOCKSIFY_BUILD = $(call BARE_CHECK,$(SOCKSIFY_BARE_OBJS)) && \
  $(CXX) $(SOCKSIFY_FLAGS) -static -Wl,-e,socksify_entry -DSOCKSIFY_PRELOAD_LIB=\"$(1)\" -o $@ \
  $(SOCKSIFY_SRCS) $(SOCKSIFY_OBJS)
# Fails if those objects, linked together, reach for anything but glibc's _start (where the fast
# start hands over) and the library path socksify.cc holds.
BARE_CHECK = ld -r -o $(BUILD)/socksify-obj/bare.o $(1) && \
  calls=$$(nm -u $(BUILD)/socksify-obj/bare.o | grep -Ev ' (_start|socksify_preload_library)$$' || \
    true) && \
  if [ -n "$$calls" ]; then echo "$(1) must run without the C library, but call:" $$calls >&2; \
    exit 1; fi
$(BUILD)/socksify-obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(SOCKSIFY_FLAGS) -MMD -MP -c $< -o $@
$(SOCKSIFY_BARE_OBJS): SOCKSIFY_FLAGS += $(BARE_FLAGS)
$(call obj,preload/preload_exec_target.cc): CXXFLAGS += $(BARE_FLAGS)
$(SOCKSIFY): $(SOCKSIFY_SRCS) $(SOCKSIFY_HDRS) $(SOCKSIFY_OBJS)
	@mkdir -p $(dir $@)
	$(call SOCKSIFY_BUILD,$(SOCKSIFY_LIB))
$(BUILD)/install/socksify: $(SOCKSIFY_SRCS) $(SOCKSIFY_HDRS) $(SOCKSIFY_OBJS) $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(call SOCKSIFY_BUILD,$(LIBDIR)/libsocksify.so)

# rftp and rtelnet from one template, with socksify's path stamped in (the build tree's here,
# BINDIR's for `make install`) and the programs they look for, in order.
R_COMMAND = sed -e 's|@NAME@|$(notdir $@)|g' -e 's|@WHAT@|$(2)|g' -e 's|@PROGRAMS@|$(3)|g' \
  -e 's|@SOCKSIFY@|$(1)|g' preload/rcommand.sh.in > $@.tmp && chmod 755 $@.tmp && mv $@.tmp $@
RFTP_PROGRAMS := tnftp inetutils-ftp
RTELNET_PROGRAMS := telnet inetutils-telnet
$(BUILD)/rftp: preload/rcommand.sh.in Makefile
	@mkdir -p $(dir $@)
	$(call R_COMMAND,$(abspath $(SOCKSIFY)),ftp,$(RFTP_PROGRAMS))
$(BUILD)/rtelnet: preload/rcommand.sh.in Makefile
	@mkdir -p $(dir $@)
	$(call R_COMMAND,$(abspath $(SOCKSIFY)),telnet,$(RTELNET_PROGRAMS))
$(BUILD)/install/rftp: preload/rcommand.sh.in Makefile $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(call R_COMMAND,$(BINDIR)/socksify,ftp,$(RFTP_PROGRAMS))
$(BUILD)/install/rtelnet: preload/rcommand.sh.in Makefile $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(call R_COMMAND,$(BINDIR)/socksify,telnet,$(RTELNET_PROGRAMS))

$(LIBSOCKD_A): $(call obj,$(SERVER_LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SOCKD): $(call obj,server/main.cc) $(LIBSOCKD_A) $(LIBSOCKS_A)
	$(CXX) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(SYSTEMD_LIBS)

# The supervisor's DNS answers are pure enough for unit tests (supervisor_dns_test.cc).
SUPERVISOR_UNIT_SRCS := supervisor/dns_message.cc supervisor/dns_answers.cc \
                        preload/preload_exec_target.cc
$(UNIT_BIN): $(call obj,$(UNIT_SRCS) $(SUPERVISOR_UNIT_SRCS)) $(LIBSOCKD_A) $(LIBSOCKS_A)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ -lgtest_main $(GTEST_LIBS) $(EVENT_LIBS)

$(INTEG_BIN): $(call obj,$(INTEG_SRCS) $(SUPPORT_SRCS)) $(LIBSOCKS_A)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ -lgtest_main $(GTEST_LIBS)

$(E2E_BIN): $(call obj,$(E2E_SRCS) $(SUPPORT_SRCS)) $(LIBSOCKS_A)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ -lgtest_main $(GTEST_LIBS)

$(BENCH_BIN): $(call obj,$(BENCH_SRCS)) $(LIBSOCKS_A)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS)

# Installs the Debian packages that are missing (needs root; says so clearly otherwise).
deps:
	@tests/install-deps.sh $(BUILD_PKGS) $(TEST_PKGS) $(FUZZ_PKGS)

run-deps:
	@tests/install-deps.sh $(BUILD_PKGS)

bench-deps:
	@tests/install-deps.sh $(BUILD_PKGS) $(TEST_PKGS) $(BENCH_PKGS)

run: run-deps all
	$(SOCKD) --foreground

# Every part runs even when an earlier one failed; tests/total.sh adds up their summary lines
# (a part that could not run at all counts as one failure).
test: deps
	$(MAKE) -j2 all tests
	@rm -f $(BUILD)/test-logs/summary $(ASAN_BUILD)/test-logs/summary \
	  $(TSAN_BUILD)/test-logs/summary $(FUZZ_BUILD)/fuzz-logs/summary
	-tests/run.sh $(BUILD) $(TEST_BINS) $(TEST_SCRIPTS)
	-$(MAKE) sanitizer-tests
	@tests/total.sh "normal suite" $(BUILD)/test-logs/summary \
	  "ASan+UBSan suite" $(ASAN_BUILD)/test-logs/summary \
	  "TSan multi-threaded tests" $(TSAN_BUILD)/test-logs/summary \
	  "fuzz smoke" $(FUZZ_BUILD)/fuzz-logs/summary

check: deps
	$(MAKE) all tests
	tests/run.sh $(BUILD) $(TEST_BINS) $(TEST_SCRIPTS)

# ---- Sanitizers and fuzzing (README: "Sanitizers and fuzzing") ----
# The trees sit next to BUILD: build-asan/, build-tsan/, build-fuzz/ for the default BUILD.
ASAN_BUILD := $(BUILD)-asan
TSAN_BUILD := $(BUILD)-tsan
FUZZ_BUILD := $(BUILD)-fuzz
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_FLAGS := -fsanitize=thread
# gcc 12 gives false -Wmaybe-uninitialized warnings inside <regex> and <functional> when
# instrumenting; -Werror stays on for everything else.
SAN_OPTFLAGS := -O1 -g -Wno-maybe-uninitialized
# Sub-makes of the sanitizer trees; at most two jobs (the machine has two cores).
SAN_MAKE = $(MAKE) -j2 SANFLAGS='$(1)' OPTFLAGS='$(SAN_OPTFLAGS)' \
             PLAIN_PRELOAD=$(if $(PRELOAD_SRCS),$(abspath $(PRELOAD_SO)))
in_tree = $(patsubst $(BUILD)/%,$(2)/%,$(1))
# The tests TSan runs: those that start sockd (always with several threads, -t 2).
TSAN_BINS := $(if $(INTEG_SRCS),$(INTEG_BIN)) $(if $(E2E_SRCS),$(E2E_BIN))
TSAN_FILTER ?= *

tsan-tests: $(TSAN_BINS) $(PLAIN_CLIENT) $(PROBES) $(SUPERVISED_CLIENTS)

sanitizer-tests:
	-$(MAKE) asan
	-$(MAKE) tsan
	-$(MAKE) fuzz-smoke

asan: deps $(if $(PRELOAD_SRCS),$(PRELOAD_SO))
	$(call SAN_MAKE,$(ASAN_FLAGS)) BUILD=$(ASAN_BUILD) all tests
	SANITIZER=asan tests/run.sh $(ASAN_BUILD) $(call in_tree,$(TEST_BINS),$(ASAN_BUILD))

tsan: deps $(if $(PRELOAD_SRCS),$(PRELOAD_SO))
	$(call SAN_MAKE,$(TSAN_FLAGS)) BUILD=$(TSAN_BUILD) all tsan-tests
	SANITIZER=tsan GTEST_FILTER='$(TSAN_FILTER)' tests/run.sh $(TSAN_BUILD) \
	  $(call in_tree,$(TSAN_BINS),$(TSAN_BUILD))

# libFuzzer targets: tests/fuzz/*_fuzz.cc, each linked with the parsers (libsocks and
# server/conf) built by clang with ASan+UBSan and coverage; seeds in tests/fuzz/corpus/<target>/.
FUZZ_CXX     ?= clang++
FUZZ_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRCS    := $(wildcard tests/fuzz/*_fuzz.cc)
FUZZ_BINS    := $(patsubst tests/fuzz/%.cc,$(FUZZ_BUILD)/%,$(FUZZ_SRCS))
# sockd's pure parsers outside server/conf/: the PROXY protocol header (and the Endpoint it fills).
FUZZ_OBJS    := $(patsubst %.cc,$(FUZZ_BUILD)/obj/%.o,$(LIBSOCKS_SRCS) $(SOCKD_CONF_SRCS) \
                  server/proxy_header.cc server/endpoint.cc)
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10

$(FUZZ_BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(CPPFLAGS) -std=c++20 -Wall -Wextra -Werror -O1 -g $(FUZZ_FLAGS) \
	  -fsanitize=fuzzer-no-link -c $< -o $@

# Keep the targets' objects (make would delete them as intermediates of the pattern rule).
.SECONDARY: $(patsubst %.cc,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_SRCS))

$(FUZZ_BUILD)/libparsers.a: $(FUZZ_OBJS)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/%_fuzz: $(FUZZ_BUILD)/obj/tests/fuzz/%_fuzz.o $(FUZZ_BUILD)/libparsers.a
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^

fuzz-build: deps
	$(MAKE) -j2 $(FUZZ_BINS)

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS) $(FUZZ_BINS)

# Full soak figures (not part of make test): 1,000,000 sequential connections, 9,000 concurrent
# relays, 2,000 idle relays under SIGTERM. About 4 minutes.
soak: deps all tests
	SOCKS4_SOAK=1 $(INTEG_BIN) --gtest_filter='Soak.*:*Load*.*:HostileStall.*'

bench: bench-deps all $(if $(BENCH_SRCS),$(BENCH_BIN))
	bench/run.sh $(BUILD)

# The directories install fills. It creates those missing (parents included) and lists them in
# DOCDIR/installed-dirs, so that uninstall removes exactly those once they are empty.
INSTALL_DIRS := $(SBINDIR) $(LIBDIR)/pkgconfig $(INCLUDEDIR) $(MANDIR)/man3 $(MANDIR)/man5 \
                $(MANDIR)/man8 $(DOCDIR)/examples $(if $(PRELOAD_SRCS),$(BINDIR) $(MANDIR)/man1) \
                $(if $(UNIT_FILES),$(SYSTEMD_UNITDIR))
INSTALLED_DIRS_LOG = $(DESTDIR)$(DOCDIR)/installed-dirs
# install-strip installs the programs and shared libraries with -s (GNU conventions).
INSTALL_STRIP ?=
INSTALL_PROGRAM = install -m 755 $(INSTALL_STRIP)
# A shared library installed to the system (no DESTDIR: a staging tree or a package) is known to
# the dynamic linker only after ldconfig.
LDCONFIG ?= ldconfig
RUN_LDCONFIG = $(if $(DESTDIR),,-$(LDCONFIG))

install: all $(if $(PRELOAD_SRCS),$(BUILD)/install/socksify $(BUILD)/install/rftp $(BUILD)/install/rtelnet)
	@created=; for dir in $(INSTALL_DIRS); do path=; \
	  for part in $$(echo "$$dir" | tr / ' '); do path="$$path/$$part"; \
	    [ -d "$(DESTDIR)$$path" ] || { install -d "$(DESTDIR)$$path" && created="$$created $$path"; } || exit 1; \
	  done; done; \
	for path in $$created; do echo "$$path"; done >> "$(INSTALLED_DIRS_LOG)"
	$(INSTALL_PROGRAM) $(SOCKD) $(DESTDIR)$(SBINDIR)/sockd
	$(INSTALL_PROGRAM) $(LIBSOCKS_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libsocks.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SOCKS_SONAME)
	ln -sf $(SOCKS_SONAME) $(DESTDIR)$(LIBDIR)/libsocks.so
	install -m 644 $(LIBSOCKS_A) $(DESTDIR)$(LIBDIR)/
	install -m 644 libsocks/include/socks.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(LIBSOCKS_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/libsocks.pc
	$(if $(wildcard man/libsocks.3),install -m 644 man/libsocks.3 $(DESTDIR)$(MANDIR)/man3/)
	$(if $(wildcard man/socks.conf.5),install -m 644 man/socks.conf.5 $(DESTDIR)$(MANDIR)/man5/)
	$(if $(PRELOAD_SRCS),$(INSTALL_PROGRAM) $(PRELOAD_SO) $(DESTDIR)$(LIBDIR)/libsocksify.so)
	$(if $(PRELOAD_SRCS),$(INSTALL_PROGRAM) $(BUILD)/install/socksify $(DESTDIR)$(BINDIR)/socksify)
	$(if $(wildcard man/socksify.1),install -m 644 man/socksify.1 $(DESTDIR)$(MANDIR)/man1/)
	$(if $(PRELOAD_SRCS),install -m 755 $(BUILD)/install/rftp $(BUILD)/install/rtelnet $(DESTDIR)$(BINDIR)/)
	$(if $(PRELOAD_SRCS),install -m 644 man/rftp.1 man/rtelnet.1 $(DESTDIR)$(MANDIR)/man1/)
	install -m 644 man/sockd.8 $(DESTDIR)$(MANDIR)/man8/sockd.8
	$(if $(wildcard man/sockd.conf.5),install -m 644 man/sockd.conf.5 $(DESTDIR)$(MANDIR)/man5/)
	install -m 644 etc/sockd.conf etc/socks.conf $(DESTDIR)$(DOCDIR)/examples/
	$(foreach unit,$(UNIT_FILES),sed 's#/usr\(/local\)\?/sbin/sockd#$(SBINDIR)/sockd#g' $(unit) \
	  > $(DESTDIR)$(SYSTEMD_UNITDIR)/$(notdir $(unit)) && chmod 644 $(DESTDIR)$(SYSTEMD_UNITDIR)/$(notdir $(unit));)
	$(RUN_LDCONFIG)

install-strip:
	$(MAKE) INSTALL_STRIP=-s install

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sockd $(DESTDIR)$(MANDIR)/man8/sockd.8 \
	      $(DESTDIR)$(MANDIR)/man5/sockd.conf.5 $(DESTDIR)$(MANDIR)/man5/socks.conf.5 \
	      $(DESTDIR)$(MANDIR)/man3/libsocks.3 $(DESTDIR)$(MANDIR)/man1/socksify.1 \
	      $(DESTDIR)$(LIBDIR)/libsocks.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SOCKS_SONAME) \
	      $(DESTDIR)$(LIBDIR)/libsocks.so $(DESTDIR)$(LIBDIR)/libsocks.a \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/libsocks.pc $(DESTDIR)$(INCLUDEDIR)/socks.h \
	      $(DESTDIR)$(LIBDIR)/libsocksify.so $(DESTDIR)$(BINDIR)/socksify \
	      $(DESTDIR)$(BINDIR)/rftp $(DESTDIR)$(BINDIR)/rtelnet \
	      $(DESTDIR)$(MANDIR)/man1/rftp.1 $(DESTDIR)$(MANDIR)/man1/rtelnet.1 \
	      $(DESTDIR)$(DOCDIR)/examples/sockd.conf $(DESTDIR)$(DOCDIR)/examples/socks.conf \
	      $(addprefix $(DESTDIR)$(SYSTEMD_UNITDIR)/,sockd.service sockd.socket)
	@dirs=$$(tac "$(INSTALLED_DIRS_LOG)" 2>/dev/null); rm -f "$(INSTALLED_DIRS_LOG)"; \
	for path in $$dirs $(DOCDIR)/examples $(DOCDIR); do rmdir "$(DESTDIR)$$path" 2>/dev/null || true; done
	$(RUN_LDCONFIG)

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

-include $(shell find $(BUILD)/obj $(BUILD)/socksify-obj $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
