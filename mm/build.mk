# mm/ - physical memory: the memory map, the frame database, the buddy allocator.
KERNEL_SOURCES +=
HOSTED_SOURCES +=
