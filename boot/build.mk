# boot/ - the multiboot2 header and the 32-bit entry that switches to long mode, then the
# first code at the kernel's higher-half addresses, which calls kmain.
KERNEL_SOURCES += boot/boot.asm boot/higher_half.asm
