# mm/ - physical memory: the memory map, the boot allocator, the frame database, the buddy
# allocator (free lists, hot cache, GFP policy, GFP_KERNEL's wait, poisoning, figures), the
# atomic reserve, EXCLUSIVE frames, the kernel mapping area and device memory mappings. All but
# mm.c (the boot sequence), vm.c and vm_io.c (page tables) are portable and build into the host
# tests.
MM_PORTABLE_SOURCES := \
	mm/atomic_reserve.c \
	mm/boot_alloc.c \
	mm/buddy.c \
	mm/census.c \
	mm/exclusive.c \
	mm/frame_db.c \
	mm/hot_cache.c \
	mm/memmap.c \
	mm/page_alloc.c \
	mm/page_alloc_wait.c \
	mm/page_stats.c \
	mm/poison.c

KERNEL_SOURCES += $(MM_PORTABLE_SOURCES) mm/mm.c mm/vm.c mm/vm_io.c
HOSTED_SOURCES += $(MM_PORTABLE_SOURCES)
