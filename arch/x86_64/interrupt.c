/* arch/x86_64/interrupt.c - the interrupt descriptor table, and dispatching each vector to
 * the C handler registered for it. */
#include "arch/x86_64/interrupt.h"

#include "arch/x86_64/exception.h"
#include "arch/x86_64/gdt.h"
#include "lib/compiler.h"

/* One 16-byte IDT gate (Intel SDM vol. 3, 6.14.1). */
struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;       /* interrupt stack table slot, 0 for the current stack */
    uint8_t type_attr; /* 0x8e: present, DPL 0, 64-bit interrupt gate (clears IF) */
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
} __packed;

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __packed;

extern const uint64_t x86_isr_stubs[X86_VECTOR_COUNT];

static struct idt_gate idt[X86_VECTOR_COUNT];

/* handlers[v] is called for vector v. Written only with interrupts off at setup, or by
 * x86_set_vector_handler (a single aligned pointer store the dispatcher reads once). */
static x86_vector_handler handlers[X86_VECTOR_COUNT];

static void set_gate(unsigned int vector, uint8_t ist)
{
    uint64_t address = x86_isr_stubs[vector];
    idt[vector] = (struct idt_gate){
            .offset_low = address & 0xffff,
            .selector = GDT_KERNEL_CODE,
            .ist = ist,
            .type_attr = 0x8e,
            .offset_middle = (address >> 16) & 0xffff,
            .offset_high = address >> 32,
    };
}

void x86_idt_init(void)
{
    for (unsigned int vector = 0; vector < X86_VECTOR_COUNT; vector++)
        set_gate(vector, 0);
    /* These three can strike when the current stack is unusable (overflowed, or mid-switch). */
    set_gate(X86_VECTOR_DOUBLE_FAULT, IST_DOUBLE_FAULT);
    set_gate(X86_VECTOR_NMI, IST_NMI);
    set_gate(X86_VECTOR_MACHINE_CHECK, IST_MACHINE_CHECK);

    x86_exceptions_init();
    x86_idt_load();
}

void x86_idt_load(void)
{
    struct idt_pointer pointer = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(pointer));
}

void x86_set_vector_handler(unsigned int vector, x86_vector_handler handler)
{
    if (vector < X86_VECTOR_COUNT)
        WRITE_ONCE(handlers[vector], handler); /* read once by x86_interrupt_dispatch */
}

void x86_triple_fault(void)
{
    struct idt_pointer empty = {0, 0};
    __asm__ volatile("cli; lidt %0; int3" : : "m"(empty));
    for (;;)
        __asm__ volatile("hlt");
}

void x86_interrupt_dispatch(struct interrupt_frame *frame)
{
    x86_vector_handler handler = READ_ONCE(handlers[frame->vector & 0xff]);
    if (handler)
        handler(frame);
    else
        x86_exception_report_fatal(frame, "no handler for this vector");
}
