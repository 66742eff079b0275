; arch/x86_64/probe_exec.asm - int probe_exec(const void *address): calls address and
; returns 0, or -EFAULT (-14) if fetching its first instruction faults. The exception
; handler (probe.c) recognises the fault by RIP == probe_exec_target and resumes at
; probe_exec_landing, which restores the stack pointer saved before the call.

bits 64

section .bss
align 8
global probe_exec_target
probe_exec_target:  resq 1          ; the address being probed, 0 when no probe runs
probe_exec_saved_rsp: resq 1

section .text
global probe_exec, probe_exec_landing
probe_exec:
    push rbp
    mov rbp, rsp
    push rbx                        ; callee-saved registers, in case the probed code runs
    push r12
    push r13
    push r14
    push r15
    mov [rel probe_exec_saved_rsp], rsp
    mov [rel probe_exec_target], rdi
    call rdi
    xor eax, eax                    ; it ran and returned: no fault
probe_exec_done:
    mov qword [rel probe_exec_target], 0
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

probe_exec_landing:
    mov rsp, [rel probe_exec_saved_rsp]
    mov eax, -14                    ; -EFAULT
    jmp probe_exec_done
