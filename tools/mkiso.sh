#!/bin/sh
# Builds a bootable ISO (BIOS and UEFI) around a kernel, with a GRUB menu from
# iso/grub.cfg.in. Used by `make iso` and by the test runner for each boot it needs.
# Usage: tools/mkiso.sh KERNEL.elf OUT.iso [CMDLINE] [PRELOAD-GRUB-COMMANDS] [interactive]
#   interactive: a 2 s menu, also on the serial line; otherwise GRUB boots at once and
#   writes nothing to the serial port, so everything there is the kernel's.
set -eu

kernel=$1 out=$2 cmdline=${3-} preload=${4-} mode=${5-}
top=$(dirname "$0")/..
stage=$(mktemp -d "${out%.iso}.stage.XXXXXX")
trap 'rm -rf "$stage" "$stage.iso" "$stage.log"' EXIT

if [ "$mode" = interactive ]; then
    timeout=2
    terminal='serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console'
else
    timeout=0
    terminal='terminal_output console'
fi

mkdir -p "$stage/boot/grub"
# Without its debug information (gdb reads that from the build's ELF): GRUB reads the whole
# file into its heap, and on a 5 MiB machine 1.4 MB of DWARF leaves it "out of memory".
objcopy --strip-debug "$kernel" "$stage/boot/labyrinth.elf"
awk -v timeout="$timeout" -v terminal="$terminal" -v cmdline="$cmdline" -v preload="$preload" '
    { gsub(/@TIMEOUT@/, timeout); gsub(/@TERMINAL@/, terminal); gsub(/@CMDLINE@/, cmdline);
      gsub(/@PRELOAD@/, preload); print }' "$top/iso/grub.cfg.in" > "$stage/boot/grub/grub.cfg"

# Written beside, then renamed: a QEMU still reading the previous ISO keeps its file, and two
# builds of the same ISO at once (parallel tests) never leave a half-written one.
if ! grub-mkrescue -o "$stage.iso" "$stage" > "$stage.log" 2>&1; then
    cat "$stage.log" >&2
    echo "mkiso: grub-mkrescue failed for $out" >&2
    rm -f "$stage.iso" "$stage.log"
    exit 1
fi
rm -f "$stage.log"
mv -f "$stage.iso" "$out"
