# vz — one non-recursive Makefile. Objects and binaries go to build/.
# `make` builds, `make check` runs every test, `make bench` the benchmarks.
# V=1 shows full commands; SANITIZE=1 builds with ASan+UBSan.

CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0

PKGS := jansson libcap libseccomp libnl-3.0 libnl-route-3.0 libarchive libcurl libcrypto libcrypt
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Werror=format-security \
	-Werror=format-nonliteral -Wvla -Wstrict-prototypes -Wmissing-prototypes \
	-Wmissing-declarations -Wswitch-enum -Wcast-align -Werror=implicit-function-declaration \
	-Werror=return-type -Werror=incompatible-pointer-types -Wno-missing-field-initializers \
	-Wno-unused-parameter
ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
WARN += -Wimplicit-fallthrough=5
else
WARN += -Wimplicit-fallthrough
endif
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(HARDEN) -iquote lib \
	-DVZ_PREFIX='"$(PREFIX)"' -DVZ_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := -Wl,-z,relro,-z,now $(LDFLAGS)
ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS_ALL += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRCS := $(sort $(wildcard lib/*/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
VZD_SRCS := $(sort $(wildcard vzd/*.c))
VZD_OBJS := $(VZD_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_COMMON_OBJS := $(BUILD)/obj/vzctl/client.o
VZCTL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,vzctl/main.c vzctl/cli.c vzctl/relay.c vzctl/term.c $(sort $(wildcard vzctl/cmd-*.c)))
UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/%)

BINS := $(BUILD)/vzd $(BUILD)/vzctl $(BUILD)/vzmigrate $(BUILD)/vzlist $(BUILD)/vzprobe
ifneq ($(findstring x86_64,$(shell $(CC) -dumpmachine 2>/dev/null)),)
BINS += $(BUILD)/vzprobe-interp
endif
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libvz.a: $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# vzd alone links libnftables (GPL-2): the anti-spoofing filter lives there.
VZD_LIBS := $(shell $(PKG_CONFIG) --libs libnftables 2>/dev/null)

$(BUILD)/vzd: $(VZD_OBJS) $(BUILD)/libvz.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(VZD_OBJS) $(BUILD)/libvz.a $(PKG_LIBS) $(VZD_LIBS)

$(BUILD)/vzctl: $(VZCTL_OBJS) $(CLI_COMMON_OBJS) $(BUILD)/libvz.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(BUILD)/libvz.a $(PKG_LIBS)

# vzmigrate is vzctl under OpenVZ's name and argument order.
$(BUILD)/vzmigrate: $(BUILD)/vzctl
	$(Q)ln -sf vzctl $@

$(BUILD)/vzlist: $(BUILD)/obj/vzctl/vzlist.o $(CLI_COMMON_OBJS) $(BUILD)/libvz.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(BUILD)/libvz.a $(PKG_LIBS)

# Runs inside containers: static and never sanitized (STYLE rules 35, 39).
$(BUILD)/vzprobe: tests/probe/probe.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@ (static)")
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

# The payload CT root plants in the CVE-2019-5736 test: freestanding, x86_64 only.
$(BUILD)/vzprobe-interp: tests/probe/interp.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@ (freestanding)")
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -nostdlib -ffreestanding \
		-fno-stack-protector -fno-builtin -o $@ $<

$(BUILD)/tests/test-%: tests/unit/test-%.c $(BUILD)/libvz.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -Wno-missing-declarations -o $@ $< \
		$(BUILD)/libvz.a $(PKG_LIBS) -lcmocka $(LDFLAGS_ALL)

# Fuzz targets build as plain programs that replay a seed corpus (STYLE rule 41).
$(BUILD)/tests/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/replay.c $(BUILD)/libvz.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< tests/fuzz/replay.c \
		$(BUILD)/libvz.a $(PKG_LIBS) $(LDFLAGS_ALL)

check: all $(UNIT_BINS) $(FUZZ_BINS)
	$(Q)scripts/run-tests $(BUILD)

check-unit: $(UNIT_BINS) $(FUZZ_BINS)
	$(Q)scripts/run-tests --unit-only $(BUILD)

bench: all
	$(Q)bench/run $(BUILD)
	$(Q)bench/cpu-fairness $(BUILD)
	$(Q)bench/migration $(BUILD)

# The main job on a fresh Debian machine: dependencies, build, a CT's life.
demo:
	$(Q)scripts/install-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo $(BUILD)

deps:
	$(Q)scripts/install-deps

lint:
	$(Q)scripts/lint

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)/etc/vz \
		$(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(BUILD)/vzd $(BUILD)/vzctl $(BUILD)/vzlist $(DESTDIR)$(PREFIX)/sbin/
	ln -sf vzctl $(DESTDIR)$(PREFIX)/sbin/vzmigrate
	test -e $(DESTDIR)/etc/vz/vz.conf || install -m 0644 configs/vz.conf $(DESTDIR)/etc/vz/vz.conf
	install -d $(DESTDIR)$(PREFIX)/share/vz/configs $(DESTDIR)$(PREFIX)/share/vz/templates/debian
	install -m 0755 templates/debian/build $(DESTDIR)$(PREFIX)/share/vz/templates/debian/
	install -m 0644 configs/ve-*.conf-sample $(DESTDIR)$(PREFIX)/share/vz/configs/
	for m in man/*.8.md man/*.5.md; do [ -e "$$m" ] || continue; \
		s=$${m##*.}; s=$${m%.md}; sec=$${s##*.}; \
		scripts/md2man $$m > $(DESTDIR)$(PREFIX)/share/man/man$$sec/$$(basename $${m%.md}); done

format:
	clang-format -i $(LIB_SRCS) $(wildcard lib/*/*.h) $(VZD_SRCS) $(wildcard vzd/*.h) \
		$(wildcard vzctl/*.c vzctl/*.h tests/unit/*.c tests/fuzz/*.c tests/probe/*.c)

clean:
	rm -rf $(BUILD)

.PHONY: all check check-unit bench demo deps lint install format clean
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
