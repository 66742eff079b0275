; arch/x86_64/isr.asm - one entry stub per interrupt vector. Each makes the stack look the
; same (a dummy error code where the CPU pushes none, then the vector number), saves the
; general registers and calls x86_interrupt_dispatch(frame) in C; then it restores them and
; returns with iretq. The layout must match struct interrupt_frame (interrupt.h).

bits 64
section .text

extern x86_interrupt_dispatch

; Vectors for which the CPU pushes an error code (Intel SDM vol. 3, table 6-1).
%macro ISR_STUB 1
isr_stub_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
    push 0                          ; no error code from the CPU: push one so frames match
%endif
    push %1                         ; the vector number
    jmp isr_common
%endmacro

isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp                    ; argument: the frame we just built
    cld                             ; the C ABI expects the direction flag clear
    ; The CPU aligned RSP to 16 before pushing SS..RIP (5 words); with the error code,
    ; vector and 15 registers that is 22 words: still 16-byte aligned for the call.
    call x86_interrupt_dispatch
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                     ; drop the vector and error code
    iretq

%assign vector 0
%rep 256
ISR_STUB vector
%assign vector vector + 1
%endrep

section .rodata
align 8
; Table of stub addresses, indexed by vector, for the IDT builder.
global x86_isr_stubs
x86_isr_stubs:
%assign vector 0
%rep 256
    dq isr_stub_ %+ vector
%assign vector vector + 1
%endrep
