# drivers/ - serial port, VGA text, 8259A interrupt controllers, IOAPICs and the local APICs'
# side of interrupt control, the local APIC timer, 8254 timer, PS/2 keyboard, QEMU's debug
# exit, PCI enumeration, the e1000 network card.
KERNEL_SOURCES += \
	drivers/debug_exit.c \
	drivers/e1000.c \
	drivers/ioapic.c \
	drivers/keyboard.c \
	drivers/lapic_timer.c \
	drivers/pic.c \
	drivers/pci.c \
	drivers/pit.c \
	drivers/serial.c \
	drivers/vga.c
