; arch/x86_64/trampoline.asm - where the other CPUs begin. A startup IPI starts a CPU in real
; mode at the page it names (CS = page >> 4, IP = 0): the blob between x86_trampoline_start
; and x86_trampoline_end is copied to that page (below 1 MiB) by arch/x86_64/smp_boot.c. It
; climbs to protected mode, then long mode, as boot/boot.asm does for the boot CPU (Intel SDM
; vol. 3, 10.8.5: PAE, CR3, EFER.LME, paging), and jumps to x86_ap_entry in the kernel image,
; which finds this CPU's stack and number by its APIC id and calls x86_ap_main.
;
; The blob does not know where it was copied: it reads its page from CS and writes the linear
; addresses its far jumps and GDT pointer need into its own copy. The kernel fills in the
; parameters at the end (struct trampoline_params in smp_boot.c, same order).

bits 16
section .rodata
align 16

CR0_PE   equ 1 << 0
CR0_WP   equ 1 << 16
CR0_NW   equ 1 << 29
CR0_CD   equ 1 << 30
CR0_PG   equ 1 << 31
CR4_PAE  equ 1 << 5
MSR_EFER equ 0xc0000080

%define OFFSET(label) (label - x86_trampoline_start)

global x86_trampoline_start
x86_trampoline_start:
    cli
    cld
    mov ax, cs
    mov ds, ax                              ; data at offsets from the start, like the code
    xor ebp, ebp
    mov bp, ax
    shl ebp, 4                              ; EBP = the page's linear address, kept to the end
    lea eax, [ebp + OFFSET(gdt)]
    mov [OFFSET(gdt_pointer) + 2], eax      ; the GDT's linear address
    lea eax, [ebp + OFFSET(protected_mode)]
    mov [OFFSET(to_protected_mode)], eax    ; the far jumps' targets
    lea eax, [ebp + OFFSET(long_mode)]
    mov [OFFSET(to_long_mode)], eax
    o32 lgdt [OFFSET(gdt_pointer)]          ; a 32-bit base
    mov eax, cr0
    and eax, ~(CR0_CD | CR0_NW)             ; INIT leaves the caches off: turn them on
    or eax, CR0_PE
    mov cr0, eax
    o32 jmp far [OFFSET(to_protected_mode)] ; loads CS with the 32-bit code segment

bits 32
protected_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, [ebp + OFFSET(params.cr3)]     ; identity map of this page + the kernel's half
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, [ebp + OFFSET(params.efer)]     ; LME, and NXE as the boot CPU has it
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_WP
    mov cr0, eax
    jmp far [ebp + OFFSET(to_long_mode)]    ; into the 64-bit code segment

bits 64
long_mode:
    mov ebp, ebp                            ; the upper half of RBP is undefined: clear it
    mov rax, [rbp + OFFSET(params.entry)]
    jmp rax                                 ; x86_ap_entry, in the kernel's half

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff                   ; 0x08: 32-bit code, base 0, 4 GiB
    dq 0x00cf92000000ffff                   ; 0x10: data, base 0, 4 GiB
    dq 0x00209a0000000000                   ; 0x18: 64-bit code
gdt_end:
gdt_pointer:
    dw gdt_end - gdt - 1
    dd 0                                    ; the linear address, written above
to_protected_mode:
    dd 0
    dw 0x08
to_long_mode:
    dd 0
    dw 0x18

align 8
global x86_trampoline_params
x86_trampoline_params:
params:
.cr3:   dd 0                                ; below 4 GiB: loaded in 32-bit mode
.efer:  dd 0
.entry: dq 0
global x86_trampoline_end
x86_trampoline_end:

; ---------------------------------------------------------------------------------------------
section .text
extern x86_ap_main
extern x86_kernel_cr3
extern x86_ap_starts

; Each CPU's start: 16 bytes per local APIC id, the stack top then the CPU's number.
AP_START_SIZE equ 16

global x86_ap_entry
x86_ap_entry:
    mov rax, [rel x86_kernel_cr3]           ; the kernel's own page tables
    mov cr3, rax
    mov eax, 1
    cpuid                                   ; EBX bits 31-24: this CPU's initial APIC id
    shr ebx, 24
    mov eax, ebx
    imul rax, rax, AP_START_SIZE
    lea rdx, [rel x86_ap_starts]
    add rdx, rax
    mov rsp, [rdx]                          ; the stack the boot CPU gave this one
    test rsp, rsp
    jz .stop                                ; not expected (given up on): stop here
    mov edi, [rdx + 8]                      ; x86_ap_main(cpu, apic_id)
    mov esi, ebx
    xor ebp, ebp                            ; the end of every backtrace
    call x86_ap_main
.stop:
    cli
    hlt
    jmp .stop
