/* arch/x86_64/interrupt.h - the IDT and the path from an interrupt or exception vector to
 * C. Every vector has a stub (isr.asm) that saves the registers into a struct
 * interrupt_frame and calls x86_interrupt_dispatch, which calls the vector's handler.
 */
#ifndef ARCH_X86_64_INTERRUPT_H
#define ARCH_X86_64_INTERRUPT_H

#include <stddef.h>
#include <stdint.h>

#define X86_EXCEPTION_COUNT 32
#define X86_VECTOR_COUNT    256

/* The registers as isr.asm saved them, then what the CPU pushed. Handlers may change rip
 * (to resume elsewhere) and the general registers; iretq reloads them. */
struct interrupt_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code; /* the CPU's, or 0 for vectors without one */
    uint64_t rip, cs, rflags, rsp, ss;
};

/* isr.asm pushes 15 registers, then the vector and error code, in this order. */
_Static_assert(offsetof(struct interrupt_frame, vector) == 15 * 8, "frame layout (isr.asm)");
_Static_assert(offsetof(struct interrupt_frame, rip) == 17 * 8, "frame layout (isr.asm)");
_Static_assert(sizeof(struct interrupt_frame) == 22 * 8, "frame layout (isr.asm)");

typedef void (*x86_vector_handler)(struct interrupt_frame *frame);

/* Builds the IDT with a gate for all 256 vectors and loads it. #DF, NMI and #MC run on
 * their own stacks. Call once, after x86_gdt_init, with interrupts off. */
void x86_idt_init(void);

/* Loads the IDT x86_idt_init built (every CPU shares it) on this CPU. Interrupts off. */
void x86_idt_load(void);

/* Installs the C handler for a vector (NULL: back to "unexpected"). Exceptions have
 * default handlers (arch/x86_64/exception.c); the IRQ layer installs its own. */
void x86_set_vector_handler(unsigned int vector, x86_vector_handler handler);

/* Resets the CPU the hard way: loads an empty IDT and raises an exception, which can then
 * be neither delivered nor reported (a triple fault); a PC answers with a reset, QEMU with
 * -no-reboot by exiting. For reboot when nothing gentler worked. Never returns. */
__attribute__((noreturn)) void x86_triple_fault(void);

/* Called by isr.asm for every interrupt and exception, with interrupts off. */
void x86_interrupt_dispatch(struct interrupt_frame *frame);

#endif
