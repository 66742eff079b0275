# mm/ - physical memory: the memory map, the boot allocator, the frame database, the buddy
# allocator, the atomic reserve, EXCLUSIVE frames, device memory mappings. All but mm.c (the
# boot sequence), vm_io.c (page tables) and commands.c (the shell's view) are portable and
# also build into the host tests.
KERNEL_SOURCES += \
	mm/atomic_reserve.c \
	mm/boot_alloc.c \
	mm/commands.c \
	mm/exclusive.c \
	mm/frame_db.c \
	mm/memmap.c \
	mm/mm.c \
	mm/page_alloc.c \
	mm/vm_io.c

HOSTED_SOURCES += \
	mm/atomic_reserve.c \
	mm/boot_alloc.c \
	mm/exclusive.c \
	mm/frame_db.c \
	mm/memmap.c \
	mm/page_alloc.c
