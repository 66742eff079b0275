# Labyrinth - top-level Makefile. Each directory lists its own sources in its build.mk;
# this file includes them and knows how to build, boot, debug, test and grade the kernel.
# `make help` lists every target and variable (the HELP text below).

ACCEL        ?= tcg
MACHINE      ?= pc
MEMORY       ?= 128M
CPUS         ?= 1
CMDLINE      ?=
QEMU_DISPLAY ?= none
NET          ?= user,model=e1000
QEMU         ?= qemu-system-x86_64
BUILD        := build

# V=1 shows every command; by default each step prints one short line.
V ?= 0
ifeq ($(V),0)
Q := @
say = @printf '  %-8s %s\n' $(1) $(2)
else
Q :=
say = @true
endif

CC     := gcc
LD     := ld
NASM   := nasm
HOSTCC := gcc
CLANG  := clang

# Debian packages the targets below need; tools/deps.sh installs the missing ones as root.
DEPS_BUILD := nasm grub-pc-bin grub-common grub-efi-amd64-bin xorriso mtools
DEPS_RUN   := $(DEPS_BUILD) qemu-system-x86
DEPS_TEST  := $(DEPS_RUN) python3 clang libclang-rt-14-dev ovmf gdb valgrind gnuplot-nox \
	bochs bochsbios vgabios linux-source
DEPS_DEBUG := $(DEPS_RUN) gdb
DEPS_BENCH := $(DEPS_TEST) valgrind gnuplot-nox

KERNEL_SOURCES :=
HOSTED_SOURCES :=
HOST_TEST_SOURCES :=
FUZZ_TARGETS :=
include boot/build.mk arch/x86_64/build.mk lib/build.mk kernel/build.mk mm/build.mk \
	drivers/build.mk services/build.mk \
	tests/build.mk

# More kernel sources to build in, for a throwaway kernel: the docs check builds the how-to
# pages' code into one this way (tests/tooling.py).
EXTRA_SOURCES ?=
KERNEL_SOURCES += $(EXTRA_SOURCES)

# The kernel: freestanding, higher half (-mcmodel=kernel), no red zone (interrupts would
# clobber it), no SSE/x87 (interrupt entry does not save those registers), frame pointers on
# for backtraces.
KERNEL_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -mcmodel=kernel \
	-mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-80387 -mgeneral-regs-only \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fcf-protection=none -fno-strict-aliasing \
	-Wall -Wextra -Werror -I. -MMD -MP
KERNEL_LDFLAGS := -n -T linker.ld -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments
NASMFLAGS := -f elf64 -g -F dwarf -I.

# Host-side builds of the portable sources: the same files, under ASan and UBSan.
HOSTED_CFLAGS := -std=gnu11 -O1 -g -DLABYRINTH_HOSTED -I. -Itests/host -Wall -Wextra -Werror \
	-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -MMD -MP
FUZZ_CFLAGS := -std=gnu11 -O1 -g -DLABYRINTH_HOSTED -DLABYRINTH_FUZZ -I. -Itests/host -Wall -Wextra \
	-Werror -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

KERNEL_OBJECTS := $(patsubst %,$(BUILD)/kernel-objs/%.o,$(KERNEL_SOURCES))
HOST_TEST_OBJECTS := $(patsubst %,$(BUILD)/host-objs/%.o,$(HOSTED_SOURCES) $(HOST_TEST_SOURCES))

.PHONY: all iso run qemu-gdb gdb debug check test host-tests fuzz fuzz-build bench clean \
	deps-build deps-run deps-test deps-debug deps-bench format lab grade help \
	compile_commands.json
.DEFAULT_GOAL := all
all: iso

deps-build:
	@tools/deps.sh $(DEPS_BUILD)
deps-run:
	@tools/deps.sh $(DEPS_RUN)
deps-test:
	@tools/deps.sh $(DEPS_TEST)
deps-debug:
	@tools/deps.sh $(DEPS_DEBUG)

# --- the kernel ------------------------------------------------------------------------------
$(BUILD)/kernel-objs/%.c.o: %.c | deps-build
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel-objs/%.asm.o: %.asm | deps-build
	$(call say,NASM,$<)
	@mkdir -p $(dir $@)
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) $< -o $@

# Two links: the first with an empty symbol table, the second with the table generated from
# the first. The table sits after .text, so no function moves; the check proves it.
$(BUILD)/ksyms-empty.o: tools/ksyms.sh | deps-build
	@mkdir -p $(dir $@)
	$(Q)tools/ksyms.sh > $(BUILD)/ksyms-empty.asm
	$(Q)$(NASM) $(NASMFLAGS) $(BUILD)/ksyms-empty.asm -o $@

$(BUILD)/labyrinth.elf: $(KERNEL_OBJECTS) $(BUILD)/ksyms-empty.o linker.ld tools/ksyms.sh
	$(call say,LD,$@)
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $(BUILD)/labyrinth.stage1.elf $(KERNEL_OBJECTS) \
		$(BUILD)/ksyms-empty.o
	$(Q)tools/ksyms.sh $(BUILD)/labyrinth.stage1.elf > $(BUILD)/ksyms.asm
	$(Q)$(NASM) $(NASMFLAGS) $(BUILD)/ksyms.asm -o $(BUILD)/ksyms.o
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJECTS) $(BUILD)/ksyms.o
	@tools/ksyms.sh $@ | cmp -s - $(BUILD)/ksyms.asm || \
		{ echo "ksyms: functions moved between the two links" >&2; rm -f $@; exit 1; }
	@grub-file --is-x86-multiboot2 $@ || \
		{ echo "$@ is not a multiboot2 kernel" >&2; rm -f $@; exit 1; }

# The ISO `make run` boots; CMDLINE changes are picked up through the stamp file.
$(BUILD)/cmdline.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CMDLINE)' | cmp -s - $@ || echo '$(CMDLINE)' > $@

$(BUILD)/labyrinth.iso: $(BUILD)/labyrinth.elf $(BUILD)/cmdline.stamp iso/grub.cfg.in tools/mkiso.sh
	$(call say,ISO,$@)
	$(Q)tools/mkiso.sh $< $@ '$(CMDLINE)' '' interactive

iso: $(BUILD)/labyrinth.iso

# Several guest CPUs under TCG: one host thread each.
COMMA := ,
QEMU_ACCEL = $(if $(filter-out 1,$(CPUS)),$(if $(filter tcg,$(ACCEL)),tcg$(COMMA)thread=multi,$(ACCEL)),$(ACCEL))
QEMU_FLAGS = -accel $(QEMU_ACCEL) -smp $(CPUS) -machine $(MACHINE) -m $(MEMORY) \
	-cdrom $(BUILD)/labyrinth.iso \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot -display $(QEMU_DISPLAY) \
	-nic $(NET)

# The kernel leaves QEMU through the debug-exit device: status 33 is success (`halt`, self
# tests passed), 35 failure (a self test failed, a panic under selftest): make fails then.
QEMU_STATUS = status=$$?; [ $$status -eq 0 ] || [ $$status -eq 33 ] || \
	{ [ $$status -eq 35 ] && echo "make: the kernel reported failure (QEMU exit status 35)" >&2; \
	  exit $$status; }

run: deps-run iso
	@echo "Booting Labyrinth in QEMU: serial console below, Ctrl-A X quits."
	@$(QEMU) $(QEMU_FLAGS) -serial mon:stdio; $(QEMU_STATUS)

# Debugging, as with xv6: `make qemu-gdb` in one terminal (QEMU waits for gdb, the serial
# console is that terminal), `make gdb` in another. Each user gets a port of their own.
GDBPORT   ?= $(shell expr `id -u` % 5000 + 25000)
GDB_BREAK ?= kmain
GDB_FLAGS  = -q -x tools/gdbinit -ex 'target remote localhost:$(GDBPORT)' \
	$(if $(GDB_BREAK),-ex 'hbreak $(GDB_BREAK)' -ex continue) $(BUILD)/labyrinth.elf

qemu-gdb: deps-debug iso
	@echo "QEMU waits for gdb on localhost:$(GDBPORT): run 'make gdb' in another terminal."
	@echo "Serial console below; Ctrl-A X quits QEMU."
	@$(QEMU) $(QEMU_FLAGS) -serial mon:stdio -gdb tcp:localhost:$(GDBPORT) -S; $(QEMU_STATUS)

gdb: deps-debug $(BUILD)/labyrinth.elf
	@gdb $(GDB_FLAGS)

# Both in one terminal. QEMU runs in a session of its own, so the Ctrl-C typed for gdb stops
# the guest (gdb passes it on) instead of killing QEMU; the shell survives it (trap), so QEMU
# is stopped when gdb quits. The serial output goes to a file.
debug: deps-debug iso
	@echo "QEMU waits for gdb on localhost:$(GDBPORT); its serial output goes to $(BUILD)/debug-serial.log"
	@rm -f $(BUILD)/debug-qemu.pid
	@trap : INT; \
	setsid $(QEMU) $(QEMU_FLAGS) -serial file:$(BUILD)/debug-serial.log \
		-gdb tcp:localhost:$(GDBPORT) -S -pidfile $(BUILD)/debug-qemu.pid < /dev/null & \
	gdb $(GDB_FLAGS); \
	kill $$(cat $(BUILD)/debug-qemu.pid 2>/dev/null) 2>/dev/null; true

# --- tests -----------------------------------------------------------------------------------
$(BUILD)/host-objs/%.c.o: %.c
	$(call say,HOSTCC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOSTED_CFLAGS) -c $< -o $@

$(BUILD)/host/labyrinth-host-tests: $(HOST_TEST_OBJECTS)
	$(call say,HOSTLD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOSTED_CFLAGS) $^ -o $@

host-tests: $(BUILD)/host/labyrinth-host-tests

# Each fuzz target is tests/fuzz/<name>.c, built with the portable sources and the host's
# stand-ins for the rest of the kernel (FUZZ_SUPPORT, tests/build.mk).
$(BUILD)/fuzz/%: tests/fuzz/%.c $(HOSTED_SOURCES) $(FUZZ_SUPPORT) $(wildcard tests/host/*.h) | deps-test
	$(call say,FUZZ,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(HOSTED_SOURCES) $(FUZZ_SUPPORT) -o $@

fuzz-build: $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))

# A campaign: the runner's fuzz jobs alone, two at a time; new inputs go to
# build/fuzz/corpus-<target>, crash files to build/fuzz/artifacts-<target>/.
FUZZ_SECONDS ?=
fuzz: fuzz-build
ifneq ($(FUZZ_SECONDS),)
	python3 tests/runner.py --build $(BUILD) --only '^fuzz-' --fuzz $(FUZZ_TARGETS) \
		--fuzz-seconds $(FUZZ_SECONDS)
endif

# The fast loop: one boot that runs only the suites and cases SUITE names ("suite",
# "suite.case", comma-separated; empty for every suite), its KTAP, "N passed, N failed".
SUITE   ?=
TIMEOUT ?= 120
check: deps-run $(BUILD)/labyrinth.elf
	@python3 tests/check.py --build $(BUILD) --qemu $(QEMU) --accel $(ACCEL) \
		--machine $(MACHINE) --memory $(MEMORY) --cpus $(CPUS) --timeout $(TIMEOUT) '$(SUITE)'

# TEST_FLAGS passes options to the runner, e.g. TEST_FLAGS="--only page_alloc".
TEST_FLAGS ?=
test: deps-test $(BUILD)/labyrinth.elf host-tests fuzz-build $(BUILD)/bench/host_bench
	python3 tests/runner.py --build $(BUILD) --accel $(ACCEL) --qemu $(QEMU) \
		--fuzz $(FUZZ_TARGETS) $(TEST_FLAGS)

# The benchmark: mm/ at -O2 (no sanitizers) on the host, and the kernel booted with `bench`.
BENCH_CFLAGS := -std=gnu11 -O2 -g -DLABYRINTH_HOSTED -I. -Itests/host -Wall -Wextra -Werror -fno-ipa-icf \
	-fno-omit-frame-pointer
BENCH_SOURCES := tests/bench/host_bench.c tests/bench/baselines.c $(HOSTED_SOURCES) \
	tests/host/fake_memory.c tests/host/hosted.c

$(BUILD)/bench/host_bench: $(BENCH_SOURCES) $(wildcard mm/*.h kernel/*.h tests/host/*.h tests/bench/*.h) Makefile
	$(call say,HOSTCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) $(BENCH_SOURCES) -o $@

bench: deps-bench $(BUILD)/labyrinth.elf $(BUILD)/bench/host_bench
	python3 tests/bench/run_bench.py --build $(BUILD) --qemu $(QEMU)

deps-bench:
	@tools/deps.sh $(DEPS_BENCH)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

# --- the course: labs cut from this tree, graded as xv6's are ------------------------------
LAB ?=
lab:
	@[ -n "$(LAB)" ] || { echo "make lab LAB=<name>; the labs:" >&2; python3 tools/lab.py list >&2; exit 2; }
	@python3 tools/lab.py write $(LAB) $(BUILD)/labs/$(LAB)

grade: deps-test
	@python3 tests/grade.py --build $(BUILD) --qemu $(QEMU) --accel $(ACCEL) \
		$(if $(LAB),--lab $(LAB))

# For clangd and other language servers: every compile command, from make's dry run.
compile_commands.json:
	@python3 tools/compile_commands.py --build $(BUILD)

define HELP
Labyrinth: build, boot, debug, test and grade a small x86-64 kernel.

Targets:
  all         the same as iso (the default)
  iso         build build/labyrinth.elf and build/labyrinth.iso
  run         boot in QEMU, serial console here (Ctrl-A X quits); fails on QEMU status 35
  check       boot once running only SUITE's tests; prints KTAP and "N passed, N failed"
  test        build everything and run every test (tests/runner.py); TEST_FLAGS narrows it
  qemu-gdb    boot halted, waiting for gdb on GDBPORT; the serial console is this terminal
  gdb         attach gdb to `make qemu-gdb` (run it in a second terminal), stop at GDB_BREAK
  debug       qemu-gdb and gdb in one terminal (serial output to build/debug-serial.log)
  lab         write the student tree of lab LAB into build/labs/LAB/ (LAB regions cut out)
  grade       score LAB (or this student tree's lab, or every lab) as xv6's make grade does
  bench       measure the allocator beside two baselines (build/bench/results.json, .png)
  host-tests  build the host-side test program (build/host/labyrinth-host-tests)
  fuzz        build the libFuzzer targets; with FUZZ_SECONDS=N run each N seconds on its seeds
  fuzz-build  build the libFuzzer targets only (build/fuzz/)
  compile_commands.json  write compile_commands.json for clangd (no rebuild)
  format      clang-format every C source and header in place
  clean       remove build/
  help        this list
  deps-build  install the Debian packages building needs (as root; else print the command)
  deps-run    ... and those `make run` needs
  deps-test   ... and those `make test` and `make grade` need
  deps-debug  ... and those debugging needs (gdb)
  deps-bench  ... and those `make bench` needs

Variables (make VAR=value ...):
  ACCEL         QEMU accelerator (tcg)
  MACHINE       QEMU machine, pc or q35 (pc)
  MEMORY        guest RAM (128M)
  CPUS          guest CPUs (-smp) for run, check, qemu-gdb and debug (1; each a host thread)
  CMDLINE       kernel command line for run, qemu-gdb and debug, e.g. CMDLINE=selftest
  QEMU_DISPLAY  none, or gtk to see the VGA screen (none)
  NET           QEMU's -nic for run (user,model=e1000); add hostfwd=udp:127.0.0.1:5555-:5555
  FUZZ_SECONDS  for fuzz: seconds of campaign per fuzzer (unset: build only)
  QEMU          the QEMU binary (qemu-system-x86_64)
  BUILD         the build directory (build)
  V             1 shows every command (0)
  SUITE         for check: suites and cases, "suite" or "suite.case", comma-separated
  TIMEOUT       for check: seconds before a boot counts as hung (120)
  TEST_FLAGS    for test: runner options, e.g. "--only page_alloc" or "--list"
  GDBPORT       the GDB stub's port (25000 + your uid % 5000)
  GDB_BREAK     where make gdb and make debug stop (kmain; empty: nowhere)
  LAB           for lab and grade: the lab's name (labs/labs.toml)
  EXTRA_SOURCES more kernel C files to build in (the docs check builds its snippets so)
endef
export HELP

help:
	@echo "$$HELP"

FORCE:

-include $(KERNEL_OBJECTS:.o=.d) $(HOST_TEST_OBJECTS:.o=.d)
