# drivers/ - serial port, VGA text, QEMU's debug-exit device.
KERNEL_SOURCES += \
	drivers/debug_exit.c \
	drivers/serial.c \
	drivers/vga.c
