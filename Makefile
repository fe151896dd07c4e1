# socks4 — SOCKS 4/4a firewall-traversal kit.
#
#   make run      install what is missing, build, run sockd in the foreground on 127.0.0.1:1080
#   make test     install what is missing, build, run every test (ends with "N passed, N failed")
#   make bench    benchmarks: direct vs sockd vs Dante (not part of make test)
#   make install  PREFIX=/usr/local DESTDIR=
#
# Sources are discovered by directory, so adding a file never means editing this Makefile.
# BUILD selects the output directory (several trees can build side by side).

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc

CXX      ?= g++
OPTFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Werror -pthread -fPIC $(OPTFLAGS) $(SANFLAGS)
CPPFLAGS += -Ilibsocks/include -MMD -MP
LDFLAGS  += -pthread $(SANFLAGS)
EVENT_LIBS := -levent_core -levent_extra -levent_pthreads
GTEST_LIBS := -lgtest -lpthread

VERSION  := 0.1.0
CPPFLAGS += -DSOCKS4_VERSION=\"$(VERSION)\"

LIBSOCKS_SRCS := $(wildcard libsocks/*.cc)
SERVER_SRCS   := $(wildcard server/*.cc)
SUPPORT_SRCS  := $(wildcard tests/support/*.cc)
UNIT_SRCS     := $(wildcard tests/unit/*.cc)
INTEG_SRCS    := $(wildcard tests/integration/*.cc)
E2E_SRCS      := $(wildcard tests/e2e/*.cc)
BENCH_SRCS    := $(wildcard bench/*.cc)

obj = $(patsubst %.cc,$(BUILD)/obj/%.o,$(1))

LIBSOCKS_A := $(BUILD)/libsocks.a
SOCKD      := $(BUILD)/sockd
UNIT_BIN   := $(BUILD)/tests/unit_tests
INTEG_BIN  := $(BUILD)/tests/integration_tests
E2E_BIN    := $(BUILD)/tests/e2e_tests
BENCH_BIN  := $(BUILD)/bench/socksbench
TEST_BINS  := $(if $(UNIT_SRCS),$(UNIT_BIN)) $(if $(INTEG_SRCS),$(INTEG_BIN)) $(if $(E2E_SRCS),$(E2E_BIN))

# Debian packages the build, the tests and the benchmarks need.
BUILD_PKGS := g++ make pkg-config libevent-dev googletest libgtest-dev
TEST_PKGS  := curl python3 python3-socks iproute2 netcat-openbsd procps
BENCH_PKGS := dante-server

.PHONY: all deps bench-deps run test bench install uninstall clean format
.DEFAULT_GOAL := all

all: $(SOCKD) $(LIBSOCKS_A)

tests: $(TEST_BINS)

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(LIBSOCKS_A): $(call obj,$(LIBSOCKS_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SOCKD): $(call obj,$(SERVER_SRCS)) $(LIBSOCKS_A)
	$(CXX) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS)

$(UNIT_BIN): $(call obj,$(UNIT_SRCS)) $(LIBSOCKS_A)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $^ -lgtest_main $(GTEST_LIBS)

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
	@tests/install-deps.sh $(BUILD_PKGS) $(TEST_PKGS)

bench-deps:
	@tests/install-deps.sh $(BUILD_PKGS) $(TEST_PKGS) $(BENCH_PKGS)

run: deps all
	$(SOCKD) --foreground

test: deps
	$(MAKE) all tests
	tests/run.sh $(BUILD) $(TEST_BINS)

bench: bench-deps all $(if $(BENCH_SRCS),$(BENCH_BIN))
	bench/run.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(SOCKD) $(DESTDIR)$(BINDIR)/sockd
	install -m 644 man/sockd.8 $(DESTDIR)$(MANDIR)/man8/sockd.8
	$(if $(wildcard man/sockd.conf.5),install -m 644 man/sockd.conf.5 $(DESTDIR)$(MANDIR)/man5/)
	install -d $(DESTDIR)$(PREFIX)/share/doc/socks4/examples
	install -m 644 etc/sockd.conf $(DESTDIR)$(PREFIX)/share/doc/socks4/examples/sockd.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sockd $(DESTDIR)$(MANDIR)/man8/sockd.8 \
	      $(DESTDIR)$(MANDIR)/man5/sockd.conf.5 \
	      $(DESTDIR)$(PREFIX)/share/doc/socks4/examples/sockd.conf
	-rmdir $(DESTDIR)$(PREFIX)/share/doc/socks4/examples $(DESTDIR)$(PREFIX)/share/doc/socks4 2>/dev/null

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
