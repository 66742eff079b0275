; arch/x86_64/switch.asm - switching from one kernel thread to another. A thread that is
; not running keeps its callee-saved registers on its own stack and its stack pointer in
; its struct arch_context; everything else the C compiler already saved around the call.

bits 64
section .text

; void arch_context_switch(struct arch_context *from, const struct arch_context *to)
; Interrupts are off (the scheduler holds its lock): nothing may run between the two halves.
global arch_context_switch
arch_context_switch:
    push rbp                        ; the callee-saved registers of the thread we leave,
    push rbx                        ; in the order x86_thread_start's frame has them
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp                  ; from->rsp: where to find them again
    mov rsp, [rsi]                  ; to->rsp: the stack of the thread we resume
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret                             ; into the middle of its own arch_context_switch call,
                                    ; or, the first time, into x86_thread_start

; The first "return" of a new thread lands here, with the registers arch_context_init put
; on its stack: r12 = the function to run, r13 = its argument, rbp = 0 (the end of every
; backtrace). The stack pointer is 16-byte aligned, as a call wants it.
global x86_thread_start
x86_thread_start:
    mov rdi, r13
    call r12                        ; never returns: threads end with thread_exit
    ud2
