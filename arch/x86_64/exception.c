/* arch/x86_64/exception.c - what happens when the CPU raises one of its 32 exceptions.
 * int3 is counted and resumed; a fault inside a probe helper resumes at its fixup; anything
 * else is a bug, reported in full (what, where, the registers, the call chain) before the
 * kernel stops. */
#include "arch/x86_64/exception.h"

#include "arch/x86_64/backtrace.h"
#include "arch/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/probe.h"
#include "arch/x86_64/stacks.h"
#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "kernel/printk.h"

static const char *const exception_names[X86_EXCEPTION_COUNT] = {
        [0] = "divide error (#DE)",
        [1] = "debug (#DB)",
        [2] = "non-maskable interrupt (NMI)",
        [3] = "breakpoint (#BP)",
        [4] = "overflow (#OF)",
        [5] = "bound range exceeded (#BR)",
        [6] = "invalid opcode (#UD)",
        [7] = "device not available (#NM)",
        [8] = "double fault (#DF)",
        [9] = "coprocessor segment overrun",
        [10] = "invalid TSS (#TS)",
        [11] = "segment not present (#NP)",
        [12] = "stack-segment fault (#SS)",
        [13] = "general protection fault (#GP)",
        [14] = "page fault (#PF)",
        [16] = "x87 floating-point error (#MF)",
        [17] = "alignment check (#AC)",
        [18] = "machine check (#MC)",
        [19] = "SIMD floating-point exception (#XM)",
        [20] = "virtualization exception (#VE)",
        [21] = "control protection exception (#CP)",
        [28] = "hypervisor injection exception (#HV)",
        [29] = "VMM communication exception (#VC)",
        [30] = "security exception (#SX)",
};

/* Written only by the breakpoint handler, with interrupts off. */
static uint64_t breakpoints_handled;

const char *x86_exception_name(unsigned int vector)
{
    if (vector < X86_EXCEPTION_COUNT && exception_names[vector])
        return exception_names[vector];
    return vector < X86_EXCEPTION_COUNT ? "reserved exception" : "unexpected interrupt";
}

uint64_t x86_breakpoint_count(void)
{
    return breakpoints_handled;
}

static void describe_page_fault(const struct interrupt_frame *frame)
{
    uint64_t code = frame->error_code;
    uint64_t address = x86_read_cr2();
    printk("Page fault at address %016lx: %s, %s, %s mode%s\n", address,
           code & X86_PF_PRESENT ? "protection violation" : "page not present",
           code & X86_PF_FETCH   ? "instruction fetch"
           : code & X86_PF_WRITE ? "write"
                                 : "read",
           code & X86_PF_USER ? "user" : "kernel",
           code & X86_PF_RESERVED ? ", reserved bit set in a page-table entry" : "");
    printk("Error code %#lx: present=%d write=%d user=%d reserved=%d fetch=%d\n", code,
           !!(code & X86_PF_PRESENT), !!(code & X86_PF_WRITE), !!(code & X86_PF_USER),
           !!(code & X86_PF_RESERVED), !!(code & X86_PF_FETCH));
    if (address < PAGE_SIZE)
        printk("Hint: the address is in the first page: a NULL pointer dereference?\n");
    char name[64];
    if (x86_stack_guard_describe(address, name, sizeof(name)))
        printk("Hint: the address is the guard page of the %s: a stack overflow\n", name);
}

/* Vectors whose error code is a segment selector (Intel SDM vol. 3, 6.13). */
static void describe_selector_error(const struct interrupt_frame *frame)
{
    uint64_t code = frame->error_code;
    if (code == 0) {
        printk("Error code 0 (not caused by a segment selector)\n");
        return;
    }
    static const char *const tables[] = {"GDT", "IDT", "LDT", "IDT"};
    printk("Error code %#lx: %s index %lu%s\n", code, tables[(code >> 1) & 3], code >> 3,
           code & 1 ? ", external event" : "");
}

static void describe_error_code(const struct interrupt_frame *frame)
{
    switch (frame->vector) {
    case X86_VECTOR_PAGE_FAULT:
        describe_page_fault(frame);
        break;
    case 10:
    case 11:
    case 12:
    case X86_VECTOR_GENERAL_PROTECTION:
        describe_selector_error(frame);
        break;
    case X86_VECTOR_DOUBLE_FAULT: {
        char name[64];
        if (x86_stack_guard_describe(frame->rsp - 8, name, sizeof(name)))
            printk("Hint: RSP is at the guard page of the %s: a kernel stack overflow\n", name);
        break;
    }
    default:
        printk("Error code %#lx\n", frame->error_code);
    }
}

static void print_location(const char *label, uint64_t address)
{
    struct ksym symbol;
    if (ksym_lookup(address, &symbol))
        printk("%s %016lx <%s+0x%lx/0x%lx>\n", label, address, symbol.name,
               address - symbol.address, symbol.size);
    else
        printk("%s %016lx\n", label, address);
}

static void print_registers(const struct interrupt_frame *f)
{
    print_location("RIP:", f->rip);
    printk("RSP: %016lx  RFLAGS: %016lx  CS: %04lx  SS: %04lx\n", f->rsp, f->rflags, f->cs, f->ss);
    printk("RAX: %016lx  RBX: %016lx  RCX: %016lx\n", f->rax, f->rbx, f->rcx);
    printk("RDX: %016lx  RSI: %016lx  RDI: %016lx\n", f->rdx, f->rsi, f->rdi);
    printk("RBP: %016lx  R8:  %016lx  R9:  %016lx\n", f->rbp, f->r8, f->r9);
    printk("R10: %016lx  R11: %016lx  R12: %016lx\n", f->r10, f->r11, f->r12);
    printk("R13: %016lx  R14: %016lx  R15: %016lx\n", f->r13, f->r14, f->r15);
    printk("CR0: %016lx  CR2: %016lx  CR3: %016lx  CR4: %016lx\n", x86_read_cr0(), x86_read_cr2(),
           x86_read_cr3(), x86_read_cr4());
}

void x86_exception_report_fatal(struct interrupt_frame *frame, const char *why)
{
    panic_begin(); /* the one report: other CPUs stop, consoles stop taking their lock */
    printk("\n*** Unexpected %s, vector %lu ***\n", x86_exception_name(frame->vector),
           frame->vector);
    if (why)
        printk("%s\n", why);
    if (frame->vector < X86_EXCEPTION_COUNT)
        describe_error_code(frame);
    print_registers(frame);
    x86_backtrace_print(frame->rip, frame->rsp, frame->rbp);
    printk("Kernel stopped.\n");
    kernel_stop();
}

static void handle_breakpoint(struct interrupt_frame *frame)
{
    /* The CPU already points RIP after the int3: returning resumes the code. */
    (void)frame;
    breakpoints_handled++;
}

static void handle_exception(struct interrupt_frame *frame)
{
    if (x86_probe_fixup(frame))
        return;
    x86_exception_report_fatal(frame, NULL);
}

/* NMI, #DF and #MC are never fixed up: they are not caused by the instruction at RIP. */
static void handle_fatal(struct interrupt_frame *frame)
{
    x86_exception_report_fatal(frame, NULL);
}

/* CPUs stopped by another's report (arch_stop_other_cpus). */
static uint32_t stopping, stopped;

/* An NMI is how a CPU that reports stops the others; any other NMI is reported. */
static void handle_nmi(struct interrupt_frame *frame)
{
    if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
        __atomic_add_fetch(&stopped, 1, __ATOMIC_RELEASE);
        arch_halt_forever();
    }
    x86_exception_report_fatal(frame, "an NMI nobody sent (a hardware error, or a watchdog)");
}

/* Roughly a second of waiting, whatever the CPU's speed: the others take an NMI at once,
 * unless a busy host keeps their threads from running. */
#define STOP_WAIT_POLLS (1u << 26)

void arch_stop_other_cpus(void)
{
    unsigned int others = 0;
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++)
        others += cpu != arch_cpu_id() && READ_ONCE(x86_cpu_areas[cpu].self) != NULL;
    if (!others || !x86_lapic_enabled())
        return;
    __atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
    x86_lapic_send(0, X86_ICR_NMI | X86_ICR_ASSERT | X86_ICR_ALL_BUT_SELF);
    for (uint32_t polls = 0; polls < STOP_WAIT_POLLS; polls++) {
        if (__atomic_load_n(&stopped, __ATOMIC_ACQUIRE) >= others)
            return;
        __asm__ volatile("pause");
    }
}

void x86_exceptions_init(void)
{
    for (unsigned int vector = 0; vector < X86_EXCEPTION_COUNT; vector++)
        x86_set_vector_handler(vector, handle_exception);
    x86_set_vector_handler(X86_VECTOR_BREAKPOINT, handle_breakpoint);
    x86_set_vector_handler(X86_VECTOR_NMI, handle_nmi);
    x86_set_vector_handler(X86_VECTOR_DOUBLE_FAULT, handle_fatal);
    x86_set_vector_handler(X86_VECTOR_MACHINE_CHECK, handle_fatal);
}
