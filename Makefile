# perfagent build. `make` builds build/perfagent with its BPF objects embedded
# as skeletons; `make test` installs what is missing and runs every test;
# `make run` installs what is missing and runs the agent in the foreground.

VERSION := 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
DATADIR ?= $(PREFIX)/share
PKGDATADIR ?= $(DATADIR)/perfagent
PROFILEDIR ?= $(PKGDATADIR)/profiles
UNITDIR ?= /usr/lib/systemd/system
PRESETDIR ?= /usr/lib/systemd/system-preset
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/perfagent
DESTDIR ?=
# `make rpm` and `make deb` leave their packages here.
PKGDIR ?= $(OUT)/packages

CC ?= cc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
PKG_CONFIG ?= pkg-config

# vmlinux.h is generated from this BTF file; package builders may point it at
# a kernel's BTF other than the build host's.
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# Output directory (`make sanitize` builds into $(SAN_OUT) with OUT=$(SAN_OUT)).
OUT := build
LIBS := libbpf libelf zlib libcurl json-c

# Distribution builds override CFLAGS; the warnings and includes always stay.
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wmissing-prototypes -Wstrict-prototypes
CPPFLAGS_ALL := -D_GNU_SOURCE -I$(OUT) -Iagent -I. -DPERFAGENT_VERSION='"$(VERSION)"' \
	-DPERFAGENT_SYSCONFDIR='"$(SYSCONFDIR)"' \
	-DPERFAGENT_PROFILEDIR='"$(PROFILEDIR)"' $(shell $(PKG_CONFIG) --cflags $(LIBS) 2>/dev/null)
# libcurl is opened at run time (agent/core/curl_dl.c): only its headers at build time.
LDLIBS_ALL := $(shell $(PKG_CONFIG) --libs $(filter-out libcurl,$(LIBS)) 2>/dev/null) -ldl
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) -I$(OUT) -Ibpf

BPF_SRCS := $(wildcard bpf/*.bpf.c)
# Test-only BPF programs live beside their tests; built only for them.
TEST_BPF_SRCS := $(wildcard tests/unit/*/*.bpf.c)
TEST_BPF_OBJS := $(patsubst %.bpf.c,$(OUT)/%.bpf.o,$(notdir $(TEST_BPF_SRCS)))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# agent/ holds the wiring (main.c, config.c) and one folder per subsystem.
AGENT_SRCS := $(wildcard agent/*.c agent/*/*.c)
AGENT_OBJS := $(patsubst agent/%.c,$(OUT)/agent/%.o,$(AGENT_SRCS))
# Everything but main(), for the unit tests to link against, in two
# archives: the objects that embed a BPF skeleton (building them needs clang,
# bpftool and BTF) and the rest. Tests that reach the probes (the probe
# table, config's probe names) link both; the others, the parsers' tests
# among them, build without clang or bpftool.
LIB_OBJS := $(filter-out $(OUT)/agent/main.o,$(AGENT_OBJS))
SKEL_USER_SRCS := $(shell grep -l '^\#include "[a-z0-9_]*\.skel\.h"' $(AGENT_SRCS))
BPF_LIB_OBJS := $(patsubst agent/%.c,$(OUT)/agent/%.o,$(SKEL_USER_SRCS))
CORE_LIB := $(OUT)/libperfagent.a
BPF_LIB := $(OUT)/libperfagent-bpf.a
# Each object's header dependencies, written by the compiler (-MMD -MP).
DEPFLAGS = -MMD -MP -MF $(@:.o=.d)

FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAYS := $(addprefix $(OUT)/fuzz/replay_,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 60

UNIT_SRCS := $(wildcard tests/unit/test_*.c tests/unit/*/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
WITH_BPF_LIB := $(OUT)/tests/test_config $(filter $(OUT)/tests/probes/%,$(UNIT_BINS)) \
	$(OUT)/fuzz/replay_config

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean install uninstall test test-long check layout unit unit-nobpf system fuzz fuzz-replay run deps \
	test-deps test-bins sanitize

all: $(OUT)/perfagent

$(OUT) $(OUT)/tests $(OUT)/fuzz:
	$(Q)mkdir -p $@

$(OUT)/vmlinux.h: | $(OUT)
	$(call msg,VMLINUX,$@)
	$(Q)if [ ! -r "$(VMLINUX_BTF)" ]; then \
		echo "error: no kernel BTF at $(VMLINUX_BTF); set VMLINUX_BTF=/path/to/vmlinux (a kernel image or BTF file)" >&2; exit 1; fi
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

vpath %.bpf.c bpf $(sort $(dir $(TEST_BPF_SRCS)))
$(OUT)/%.bpf.o: %.bpf.c $(OUT)/vmlinux.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -MT $@ -c $< -o $(OUT)/$*.tmp.bpf.o
	$(Q)$(BPFTOOL) gen object $@ $(OUT)/$*.tmp.bpf.o
	$(Q)rm -f $(OUT)/$*.tmp.bpf.o

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# An object that includes a skeleton needs it built first; after the first
# build its .d file lists every header it includes, skeletons among them.
skel_of = $(addprefix $(OUT)/,$(shell sed -n 's/^\#include "\([a-z0-9_]*\.skel\.h\)".*/\1/p' $(1)))
$(foreach src,$(AGENT_SRCS),$(eval $(patsubst agent/%.c,$(OUT)/agent/%.o,$(src)): $(call skel_of,$(src))))
$(foreach src,$(UNIT_SRCS),$(eval $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(src)): $(call skel_of,$(src))))

$(OUT)/agent/%.o: agent/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

-include $(AGENT_OBJS:.o=.d) $(BPF_OBJS:.o=.d) $(TEST_BPF_OBJS:.o=.d) $(UNIT_BINS:=.d) $(FUZZ_REPLAYS:=.d)

$(OUT)/perfagent: $(AGENT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS_ALL) $(LDLIBS) -o $@

$(CORE_LIB): $(filter-out $(BPF_LIB_OBJS),$(LIB_OBJS))
$(BPF_LIB): $(BPF_LIB_OBJS)
$(CORE_LIB) $(BPF_LIB):
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Archives as a group: the probe table (core) and the probes (BPF) refer to each other.
link_libs = -Wl,--start-group $(filter %.a,$^) -Wl,--end-group
$(WITH_BPF_LIB): $(BPF_LIB)

$(OUT)/tests/%: tests/unit/%.c $(CORE_LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS) -MMD -MP -MF $@.d -MT $@ $< $(link_libs) \
		$(LDFLAGS) $(LDLIBS_ALL) -lcmocka $(LDLIBS) -o $@

# Each fuzz target also builds with gcc against a replay main(), so the
# normal test run checks every committed corpus input.
$(OUT)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(CORE_LIB) | $(OUT)/fuzz
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS) -MMD -MP -MF $@.d -MT $@ $< tests/fuzz/replay.c \
		$(link_libs) \
		$(LDFLAGS) $(LDLIBS_ALL) $(LDLIBS) -o $@

fuzz-replay: $(FUZZ_REPLAYS)
	$(Q)for t in $(FUZZ_TARGETS); do \
		printf '%-10s ' "$$t"; $(OUT)/fuzz/replay_$$t tests/fuzz/corpus/$$t || exit 1; done

# libFuzzer with ASan and UBSan, FUZZ_SECONDS per target; new crashes are
# left in build/fuzz/<target>/ (add them to the corpus once fixed).
fuzz: $(BPF_SKELS) | $(OUT)/fuzz
	$(Q)for t in $(FUZZ_TARGETS); do \
		echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
		$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS_ALL) \
			tests/fuzz/fuzz_$$t.c $(filter-out agent/main.c,$(AGENT_SRCS)) \
			$(LDLIBS_ALL) -o $(OUT)/fuzz/fuzz_$$t || exit 1; \
		mkdir -p $(OUT)/fuzz/$$t $(OUT)/fuzz/$$t.corpus; \
		$(OUT)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(OUT)/fuzz/$$t/ \
			$(OUT)/fuzz/$$t.corpus tests/fuzz/corpus/$$t || exit 1; \
	done

# Everything the tests run: the agent, the unit tests, the fuzz replays.
test-bins: $(OUT)/perfagent $(UNIT_BINS) $(FUZZ_REPLAYS)

unit: $(UNIT_BINS)
	$(Q)tests/run-unit.sh $(UNIT_BINS)

# Two lanes of system tests on 2 CPUs or more (tests/run-system.sh: the
# tests marked "# lane: side" wait beside the others).
TEST_LANES ?= $(if $(filter 1,$(BUILD_JOBS)),1,2)
system: $(OUT)/perfagent
	$(Q)PERFAGENT_TEST_LANES=$(TEST_LANES) PERFAGENT_PROFILE_DIR=$(CURDIR)/tuning-profiles tests/run-system.sh

# The include order of agent/'s folders (README.md, Source layout); the
# self-test first shows that each kind of violation is caught.
layout:
	$(Q)tests/check_layout.py --self-test >/dev/null || tests/check_layout.py --self-test
	$(Q)tests/check_layout.py

# The unit tests that do not reach the probes (every parser's among them)
# build and pass without clang, bpftool or kernel BTF: a packaging host or a
# container without BTF can run them.
NOBPF_OUT := $(OUT)/nobpf
unit-nobpf:
	$(Q)$(MAKE) --no-print-directory -s -j$(BUILD_JOBS) OUT=$(NOBPF_OUT) CLANG=false BPFTOOL=false \
		VMLINUX_BTF=/nonexistent $(patsubst $(OUT)/%,$(NOBPF_OUT)/%, \
		$(filter-out $(WITH_BPF_LIB),$(UNIT_BINS)))
	$(Q)tests/run-unit.sh $(patsubst $(OUT)/%,$(NOBPF_OUT)/%, \
		$(filter-out $(WITH_BPF_LIB),$(UNIT_BINS))) > $(NOBPF_OUT)/unit.log 2>&1 || \
		{ cat $(NOBPF_OUT)/unit.log; exit 1; }
	$(Q)echo "without clang and bpftool: $$(tail -n 1 $(NOBPF_OUT)/unit.log)"

check: layout unit-nobpf $(OUT)/perfagent unit fuzz-replay system

# The long suite (root, about 45 minutes; not part of make test): random
# chains of interrupted applies and reverts on a fake tree and on a network
# namespace's real /proc/sys, restarts of the CloudWatch agent around its
# reads, and the block probe's latency quantiles against fio's (timing:
# alone on the machine, not beside make test's other lane). CI runs it with
# smaller counts. The long parts of the system tests get 30 minutes each.
CHAIN_ITERATIONS ?= 1000
NETNS_CHAIN_ITERATIONS ?= 300
AGENT_RESTARTS ?= 200
test-long: test-deps $(OUT)/perfagent
	$(Q)bash tests/system/check_block_quantiles.sh || [ $$? = 77 ]	# 77: skipped, saying why
	$(Q)bash tests/long/crash_chains_random.sh $(CHAIN_ITERATIONS)
	$(Q)bash tests/long/crash_chains_random.sh $(NETNS_CHAIN_ITERATIONS) $$$$ netns
	$(Q)bash tests/long/sink_agent_restarts.sh $(AGENT_RESTARTS)
	$(Q)PERFAGENT_TEST_LONG=1 PERFAGENT_TEST_LIMIT_S=1800 PERFAGENT_PROFILE_DIR=$(CURDIR)/tuning-profiles \
		tests/run-system.sh $$(grep -l '^if long_part' tests/system/test_*.sh)

# The README's run command as written, in a bare Debian root made with
# debootstrap (cached in /var/cache/perfagent-tests): root, the Debian mirror,
# about 2 minutes once the root is cached.
.PHONY: setup-test
setup-test:
	$(Q)packaging/install-deps.sh setup
	$(Q)bash tests/setup/readme_setup.sh

# The README's two commands: both install what is missing first.
deps:
	$(Q)packaging/install-deps.sh build
test-deps:
	$(Q)packaging/install-deps.sh test

# The builds of make test run one job per CPU (2 on the CI machine: 25 s ->
# 15 s for test-bins); the tests themselves run one at a time.
BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
test: test-deps
	$(Q)$(MAKE) --no-print-directory -j$(BUILD_JOBS) test-bins
	$(Q)$(MAKE) --no-print-directory check

# The whole test suite (unit, fuzz replays, system) against the agent, the
# unit tests and the replays built with ASan and UBSan in their own directory
# (never mixed with $(OUT)'s objects); any sanitizer report, leaks included,
# fails the run (tests/run-sanitized.sh).
SAN_OUT ?= $(OUT)/san
SAN_CFLAGS ?= -O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Static runtimes: with libubsan.so next to libasan.so, UBSan ignores its
# log_path and reports only on stderr, which the log check cannot see.
SAN_LDFLAGS ?= -static-libasan -static-libubsan
# The plain $(OUT)/perfagent is for test_valgrind.sh: Valgrind cannot run ASan.
sanitize: test-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory OUT=$(SAN_OUT) CFLAGS="$(SAN_CFLAGS)" \
		LDFLAGS="$(SAN_LDFLAGS)" test-bins
	$(Q)tests/run-sanitized.sh $(SAN_OUT) $(OUT)/perfagent

# From the source tree the profiles are read from tuning-profiles/.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	PERFAGENT_PROFILE_DIR=$(CURDIR)/tuning-profiles $(OUT)/perfagent daemon

install: $(OUT)/perfagent
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(OUT)/perfagent $(DESTDIR)$(BINDIR)/perfagent
	install -d $(DESTDIR)$(SYSCONFDIR)/perfagent/conf.d
	# An existing config is the user's: never overwrite it.
	[ -e $(DESTDIR)$(SYSCONFDIR)/perfagent/perfagent.conf ] || \
		install -m 0644 packaging/perfagent.conf $(DESTDIR)$(SYSCONFDIR)/perfagent/perfagent.conf
	install -d $(DESTDIR)$(PROFILEDIR)
	install -m 0644 tuning-profiles/*.conf $(DESTDIR)$(PROFILEDIR)/
	# Data, not documentation: images built without docs (dpkg path-exclude,
	# rpm --excludedocs) still have the file perfagent.conf names.
	install -m 0644 packaging/cloudwatch-agent.json packaging/cloudwatch-agent-udp.json \
		$(DESTDIR)$(PKGDATADIR)/
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@BINDIR@|$(BINDIR)|g' packaging/systemd/perfagent.service.in > $(OUT)/perfagent.service
	install -m 0644 $(OUT)/perfagent.service $(DESTDIR)$(UNITDIR)/perfagent.service
	install -d $(DESTDIR)$(PRESETDIR)
	install -m 0644 packaging/systemd/perfagent.preset $(DESTDIR)$(PRESETDIR)/80-perfagent.preset
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 packaging/perfagent.8 $(DESTDIR)$(MANDIR)/man8/perfagent.8
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	# Not a doc file: perfagent.conf points to it, and images built without
	# docs (rpm --excludedocs, dpkg path-exclude) must keep it.
	install -m 0644 packaging/metrics-catalogue.md $(DESTDIR)$(PKGDATADIR)/

# Removes what install put there, except the configuration (the user's) and
# the state directory. It does not revert tuning: run `perfagent revert` first.
PROFILE_FILES := $(notdir $(wildcard tuning-profiles/*.conf))
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/perfagent
	rm -f $(addprefix $(DESTDIR)$(PROFILEDIR)/,$(PROFILE_FILES))
	rm -f $(addprefix $(DESTDIR)$(PKGDATADIR)/,cloudwatch-agent.json cloudwatch-agent-udp.json \
		metrics-catalogue.md)
	-rmdir $(DESTDIR)$(PROFILEDIR) $(DESTDIR)$(dir $(PROFILEDIR)) 2>/dev/null
	rm -f $(DESTDIR)$(UNITDIR)/perfagent.service $(DESTDIR)$(PRESETDIR)/80-perfagent.preset
	rm -f $(DESTDIR)$(MANDIR)/man8/perfagent.8
	rm -f $(DESTDIR)$(DOCDIR)/README.md
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null
	@echo "kept $(DESTDIR)$(SYSCONFDIR)/perfagent/ (your configuration) and the state directory"

clean:
	rm -rf $(OUT)

# Packages, built from a tarball of the source tree (tracked files plus
# untracked ones not ignored; never build/). Each target first installs the
# tools it needs when missing (packaging/build-deps.sh).
.PHONY: dist rpm deb packages package-test
dist:
	$(Q)packaging/build-tarball.sh $(VERSION) $(PKGDIR)
rpm:
	$(Q)packaging/build-deps.sh rpm
	$(Q)packaging/build-rpm.sh $(VERSION) $(PKGDIR)
deb:
	$(Q)packaging/build-deps.sh deb
	$(Q)packaging/build-deb.sh $(VERSION) $(PKGDIR)
packages: rpm deb

# Builds both packages, checks their contents, lints them, installs the .deb
# in a fresh debootstrap root, upgrades, removes and purges it; as root, with
# the Debian mirror, in a few minutes. The test exits 77 when the mirror
# cannot be reached (or not root): reported as skipped, not as a failure.
package-test:
	$(Q)packaging/build-deps.sh test
	$(Q)PERFAGENT_PACKAGE_TEST=full bash tests/system/test_packages.sh; rc=$$?; \
	if [ $$rc -eq 77 ]; then echo "package-test: SKIPPED in part (see the SKIPPED line above)"; exit 0; fi; \
	exit $$rc

# The AMI recipe and launch-template user-data (ami/). Each target first
# installs, when missing, Debian's packer 1.6.6, cloud-init, shellcheck and
# debootstrap (ami/test-deps.sh). ami-validate: packer fmt -check and
# validate, cloud-init schema, shellcheck, the recipe's required settings;
# seconds, no AWS. ami-test: those, then builds the .deb and rehearses the
# bake (install, validate, clean-up) and the user-data in fresh debootstrap
# roots (tests/ami/rehearse.sh); as root, with the Debian mirror, a few
# minutes. Exit 77 (mirror unreachable) is reported as skipped.
.PHONY: ami-validate ami-test
ami-validate:
	$(Q)ami/test-deps.sh
	$(Q)bash tests/system/test_ami.sh
ami-test:
	$(Q)ami/test-deps.sh
	$(Q)PERFAGENT_AMI_TEST=full bash tests/system/test_ami.sh; rc=$$?; \
	if [ $$rc -eq 77 ]; then echo "ami-test: SKIPPED in part (see the SKIPPED line above)"; exit 0; fi; \
	exit $$rc
