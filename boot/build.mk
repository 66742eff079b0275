# boot/ - the multiboot2 header and the 32-bit entry that switches to long mode.
KERNEL_SOURCES += boot/boot.asm
