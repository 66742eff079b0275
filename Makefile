# Labyrinth - top-level Makefile. Each directory lists its own sources in its build.mk;
# this file includes them and knows how to build, boot and test the kernel.
#
#   make run      boot in QEMU, serial console on this terminal (Ctrl-A X quits)
#   make test     build everything and run every test
#   make debug    boot halted under QEMU's GDB stub and attach gdb
#   make iso      build build/labyrinth.elf and build/labyrinth.iso
#   make bench    run the allocator benchmarks
#   make fuzz     build the libFuzzer targets; with FUZZ_SECONDS=N also run each for N seconds
#                 on its seeds (tests/fuzz/seeds/) and print a line per target: seeds read,
#                 inputs run, exit status, crash file if any
#
# Variables: ACCEL (tcg), MACHINE (pc or q35), MEMORY (128M), CPUS (1; more runs each guest CPU
# on a host thread of its own, tcg,thread=multi), CMDLINE (kernel options for `make run`),
# QEMU_DISPLAY (none; gtk to see the VGA screen), FUZZ_SECONDS (unset: build only).

ACCEL        ?= tcg
MACHINE      ?= pc
MEMORY       ?= 128M
CPUS         ?= 1
CMDLINE      ?=
QEMU_DISPLAY ?= none
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
	bochs bochsbios vgabios
DEPS_DEBUG := $(DEPS_RUN) gdb
DEPS_BENCH := $(DEPS_TEST) valgrind gnuplot-nox

KERNEL_SOURCES :=
HOSTED_SOURCES :=
HOST_TEST_SOURCES :=
FUZZ_TARGETS :=
include boot/build.mk arch/x86_64/build.mk lib/build.mk kernel/build.mk mm/build.mk \
	drivers/build.mk services/build.mk \
	tests/build.mk

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

.PHONY: all iso run debug test host-tests fuzz fuzz-build bench clean deps-build deps-run deps-test \
	deps-debug deps-bench format
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
QEMU_ACCEL = $(if $(filter-out 1,$(CPUS)),$(if $(filter tcg,$(ACCEL)),tcg$(COMMA)thread=multi,$(ACCEL)),$(ACCEL))
COMMA := ,
QEMU_FLAGS = -accel $(QEMU_ACCEL) -smp $(CPUS) -machine $(MACHINE) -m $(MEMORY) \
	-cdrom $(BUILD)/labyrinth.iso \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot -display $(QEMU_DISPLAY)

# Exit statuses 33 and 35 are the kernel leaving through the debug-exit device (halt,
# selftest results): not errors of make.
run: deps-run iso
	@echo "Booting Labyrinth in QEMU: serial console below, Ctrl-A X quits."
	@$(QEMU) $(QEMU_FLAGS) -serial mon:stdio; status=$$?; \
		[ $$status -eq 0 ] || [ $$status -eq 33 ] || [ $$status -eq 35 ] || exit $$status

debug: deps-debug iso
	@echo "QEMU waits for gdb on localhost:1234; its serial output goes to $(BUILD)/debug-serial.log"
	$(QEMU) $(QEMU_FLAGS) -serial file:$(BUILD)/debug-serial.log -s -S & \
	gdb -q -ex 'target remote localhost:1234' -x tools/gdbinit $(BUILD)/labyrinth.elf; \
	kill %1 2>/dev/null; true

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

# TEST_FLAGS passes options to the runner, e.g. TEST_FLAGS="--only kernel".
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

FORCE:

-include $(KERNEL_OBJECTS:.o=.d) $(HOST_TEST_OBJECTS:.o=.d)
