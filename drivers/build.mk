# drivers/ - serial port, VGA text, 8259A interrupt controllers, 8254 timer, QEMU's debug exit.
KERNEL_SOURCES += \
	drivers/debug_exit.c \
	drivers/pic.c \
	drivers/pit.c \
	drivers/serial.c \
	drivers/vga.c
