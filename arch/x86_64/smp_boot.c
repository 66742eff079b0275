/* arch/x86_64/smp_boot.c - starting the other CPUs: the real-mode start code copied below
 * 1 MiB with the page tables it climbs through, the INIT-SIPI-SIPI sequence of the Intel SDM
 * (vol. 3, 8.4.4.1), and the first C code each CPU runs (its GDT, TSS, per-CPU area, IDT). */
#include <stddef.h>

#include "arch/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupt.h"
#include "arch/x86_64/lapic.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/layout.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE   (1ull << 1)
#define PTE_HUGE    (1ull << 7)

#define INIT_DELAY_MS     10  /* INIT, then 10 ms before the first startup IPI */
#define STARTUP_DELAY_US  200 /* between the two startup IPIs, and after the second */
#define ANSWER_TIMEOUT_MS 1000
#define APIC_IDS          256 /* xAPIC ids are 8 bits */

extern const char x86_trampoline_start[], x86_trampoline_end[], x86_trampoline_params[];
void x86_ap_entry(void);
void x86_ap_main(unsigned int cpu, uint32_t apic_id);

/* The parameters at the end of the start code (trampoline.asm, same order). */
struct trampoline_params {
    uint32_t cr3;   /* the start tables below; loaded in 32-bit mode, so below 4 GiB */
    uint32_t efer;  /* EFER bits to set: LME, and NXE as the boot CPU has it */
    uint64_t entry; /* x86_ap_entry */
};

/* What each CPU finds by its local APIC id in x86_ap_entry (16 bytes each: stack, then cpu;
 * trampoline.asm reads them), and the state the boot CPU and it settle with a compare and
 * exchange: whoever comes first decides whether the CPU runs or was given up on. */
enum start_state { START_NONE, START_WAITING, START_RUNNING, START_ABANDONED };
struct ap_start {
    uint64_t stack_top; /* 0: not expected; x86_ap_entry stops the CPU */
    uint32_t cpu;
    uint32_t state; /* enum start_state */
};
_Static_assert(sizeof(struct ap_start) == 16, "trampoline.asm indexes 16-byte entries");

struct ap_start x86_ap_starts[APIC_IDS];
uint64_t x86_kernel_cr3; /* the page tables every CPU runs on, once in the kernel's half */

/* The start code's page tables: the first 2 MiB identity-mapped (the code runs there as
 * paging comes on) and the kernel's half as the kernel has it. In the kernel image, which is
 * loaded below 4 GiB, as the 32-bit CR3 load needs. */
static uint64_t start_pml4[512] __aligned(PAGE_SIZE);
static uint64_t start_pdpt[512] __aligned(PAGE_SIZE);
static uint64_t start_pd[512] __aligned(PAGE_SIZE);

/* Set by arch_cpu_start before the CPU is sent its startup IPIs; read by it. */
static void (*ap_entry)(unsigned int cpu);

static void build_start_tables(void)
{
    const uint64_t *kernel_pml4 = phys_to_virt(x86_kernel_cr3 & ~(PAGE_SIZE - 1));
    memcpy(&start_pml4[256], &kernel_pml4[256], 256 * sizeof(uint64_t));
    start_pml4[0] = virt_to_phys(start_pdpt) | PTE_PRESENT | PTE_WRITE;
    start_pdpt[0] = virt_to_phys(start_pd) | PTE_PRESENT | PTE_WRITE;
    start_pd[0] = 0 | PTE_PRESENT | PTE_WRITE | PTE_HUGE; /* 0 ... 2 MiB, executable */
}

/* Copies the start code to its page and fills in its parameters. */
static void write_start_code(uint64_t page)
{
    uint8_t *code = phys_to_virt(page);
    size_t size = (size_t)(x86_trampoline_end - x86_trampoline_start);
    memcpy(code, x86_trampoline_start, size);
    struct trampoline_params *params =
            (void *)(code + (x86_trampoline_params - x86_trampoline_start));
    params->cr3 = (uint32_t)virt_to_phys(start_pml4);
    params->efer = (uint32_t)((x86_rdmsr(X86_MSR_EFER) & X86_EFER_NXE) | X86_EFER_LME);
    params->entry = (uint64_t)(uintptr_t)x86_ap_entry;
}

static void delay_cycles(uint64_t cycles)
{
    uint64_t start = arch_cycles();
    while (arch_cycles() - start < cycles)
        arch_cpu_relax();
}

/* INIT, then two startup IPIs naming the start page (Intel SDM vol. 3, 8.4.4.1). */
static int send_init_sipi_sipi(uint32_t apic_id, uint64_t page, uint64_t cycles_per_ms)
{
    uint32_t vector = (uint32_t)(page >> 12);
    int error = x86_lapic_send(apic_id, X86_ICR_INIT | X86_ICR_ASSERT);
    delay_cycles(INIT_DELAY_MS * cycles_per_ms);
    for (int i = 0; i < 2 && !error; i++) {
        error = x86_lapic_send(apic_id, X86_ICR_STARTUP | X86_ICR_ASSERT | vector);
        delay_cycles(STARTUP_DELAY_US * cycles_per_ms / 1000);
    }
    return error;
}

/* Waits for the CPU to run its first C code; on a timeout, gives it up for good. */
static int wait_for_answer(struct ap_start *start, uint64_t cycles_per_ms)
{
    uint64_t begin = arch_cycles();
    while (arch_cycles() - begin < ANSWER_TIMEOUT_MS * cycles_per_ms) {
        if (__atomic_load_n(&start->state, __ATOMIC_ACQUIRE) == START_RUNNING)
            return 0;
        arch_cpu_relax();
    }
    uint32_t waiting = START_WAITING;
    if (__atomic_compare_exchange_n(&start->state, &waiting, START_ABANDONED, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return -ETIMEDOUT;
    return 0; /* it answered just now */
}

int arch_cpu_start(const struct arch_cpu_start *start)
{
    if (start->apic_id >= APIC_IDS || start->cpu == 0 || start->cpu >= MAX_CPUS ||
        !start->start_page || start->start_page >= (1u << 20) ||
        (start->start_page & (PAGE_SIZE - 1)) || !x86_lapic_enabled() || !start->cycles_per_ms)
        return -EINVAL;
    for (unsigned int which = 0; which < ARCH_CPU_STACKS; which++) {
        if (!start->own_stack_tops[which])
            return -EINVAL;
        x86_ist_tops[start->cpu][which] = start->own_stack_tops[which];
    }
    x86_kernel_cr3 = x86_read_cr3();
    build_start_tables();
    write_start_code(start->start_page);
    ap_entry = start->entry;
    struct ap_start *slot = &x86_ap_starts[start->apic_id];
    slot->stack_top = start->stack_top;
    slot->cpu = start->cpu;
    __atomic_store_n(&slot->state, START_WAITING, __ATOMIC_RELEASE);
    int error = send_init_sipi_sipi(start->apic_id, start->start_page, start->cycles_per_ms);
    return error ? error : wait_for_answer(slot, start->cycles_per_ms);
}

/* The first C code of another CPU, on the stack the boot CPU gave it, interrupts off. */
void x86_ap_main(unsigned int cpu, uint32_t apic_id)
{
    uint32_t waiting = START_WAITING;
    if (!__atomic_compare_exchange_n(&x86_ap_starts[apic_id].state, &waiting, START_RUNNING, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        arch_halt_forever(); /* given up on, or never asked for */
    x86_gdt_init_cpu(cpu);
    x86_idt_load();
    ap_entry(cpu);
    arch_halt_forever();
}
