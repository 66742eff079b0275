# arch/x86_64/ - GDT, IDT, exception entry and reports, probes, backtraces, stacks, thread
# context switches, page tables.
KERNEL_SOURCES += \
	arch/x86_64/backtrace.c \
	arch/x86_64/context.c \
	arch/x86_64/exception.c \
	arch/x86_64/gdt.c \
	arch/x86_64/interrupt.c \
	arch/x86_64/lapic.c \
	arch/x86_64/isr.asm \
	arch/x86_64/paging.c \
	arch/x86_64/probe.c \
	arch/x86_64/probe_exec.asm \
	arch/x86_64/stacks.c \
	arch/x86_64/smp_boot.c \
	arch/x86_64/switch.asm \
	arch/x86_64/tlb.c \
	arch/x86_64/trampoline.asm
