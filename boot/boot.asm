; boot/boot.asm - the first code that runs. GRUB jumps here in 32-bit protected mode, paging
; off, with the multiboot2 magic in EAX and the physical address of the boot information in EBX.
; We check both, check that the CPU can run 64-bit code, build page tables that map the first
; 4 GiB (identity and direct map) and the kernel image at -2 GiB, enter long mode and jump to
; boot/higher_half.asm, which calls kmain. A failure is a readable line on COM1, then a halt:
; never a silent reboot.

MB2_HEADER_MAGIC  equ 0xe85250d6
MB2_ARCH_I386     equ 0           ; "i386" = 32-bit protected mode entry, which x86-64 uses too
MB2_BOOT_MAGIC    equ 0x36d76289  ; what a multiboot2 loader puts in EAX

KERNEL_VMA        equ 0xffffffff80000000
COM1              equ 0x3f8

PTE_PRESENT       equ 1 << 0
PTE_WRITE         equ 1 << 1
PTE_HUGE          equ 1 << 7      ; in a page-directory entry: maps 2 MiB directly

CR0_WP            equ 1 << 16     ; supervisor writes honour read-only pages
CR0_PG            equ 1 << 31
CR4_PAE           equ 1 << 5
MSR_EFER          equ 0xc0000080
EFER_LME          equ 1 << 8      ; long mode enable
EFER_NXE          equ 1 << 11     ; the no-execute bit in page tables

CPUID_EXT_LM      equ 1 << 29     ; CPUID 0x80000001 EDX
CPUID_EXT_NX      equ 1 << 20
CPUID_1_PAE       equ 1 << 6      ; CPUID 1 EDX

extern higher_half_entry                 ; boot/higher_half.asm

; ---------------------------------------------------------------------------------------------
section .multiboot2 progbits alloc noexec nowrite align=8
align 8
mb2_header:
    dd MB2_HEADER_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header
    ; The four fields must sum to zero (mod 2^32).
    dd 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    ; End tag: type 0, flags 0, size 8. We ask for nothing else: VGA text mode stays as it is.
    dw 0, 0
    dd 8
mb2_header_end:

; ---------------------------------------------------------------------------------------------
section .boot.bss nobits alloc noexec write align=4096
; Early page tables: one PML4, two PDPTs, four page directories of 2 MiB pages (4 GiB).
early_pml4:      resb 4096
early_pdpt_low:  resb 4096       ; PML4[0] (identity) and PML4[256] (direct map) share it
early_pdpt_high: resb 4096       ; PML4[511]: entry 510 maps the kernel at -2 GiB
early_pd:        resb 4 * 4096
EARLY_TABLES_DWORDS equ (7 * 4096) / 4
boot32_stack:    resb 4096
boot32_stack_top:

; ---------------------------------------------------------------------------------------------
section .boot.rodata progbits alloc noexec nowrite align=8
align 8
; A minimal 64-bit GDT to enter long mode; arch/x86_64/gdt.c replaces it with the real one.
early_gdt:
    dq 0                                    ; null descriptor
    dq 0x00209a0000000000                   ; 0x08: kernel code, present, DPL 0, long mode
    dq 0x0000920000000000                   ; 0x10: kernel data, present, writable
early_gdt_pointer:
    dw early_gdt_pointer - early_gdt - 1
    dd early_gdt

msg_no_multiboot: db "Labyrinth: boot failed: not started by a multiboot2 loader (bad magic in EAX)", 13, 10, 0
msg_no_cpuid:     db "Labyrinth: boot failed: this CPU has no CPUID instruction", 13, 10, 0
msg_no_long_mode: db "Labyrinth: boot failed: this CPU cannot run 64-bit code (no long mode)", 13, 10, 0
msg_no_pae:       db "Labyrinth: boot failed: this CPU has no PAE paging", 13, 10, 0

; ---------------------------------------------------------------------------------------------
section .boot.text progbits alloc exec nowrite align=16
bits 32
global boot_entry
boot_entry:
    cli
    cld
    mov esp, boot32_stack_top
    mov ebp, eax                            ; EBP = magic, ESI = boot information (phys):
    mov esi, ebx                            ; nothing below touches either until kmain

    call serial_init32

    cmp ebp, MB2_BOOT_MAGIC
    mov eax, msg_no_multiboot
    jne boot_fail

    call check_cpu                          ; returns EBX = EFER bits to set
    call build_early_page_tables
    jmp enter_long_mode

; check_cpu: fails the boot unless CPUID, PAE and long mode are there.
; Returns EBX = EFER_LME, plus EFER_NXE when the CPU has the no-execute bit.
check_cpu:
    ; CPUID exists when EFLAGS.ID (bit 21) can be toggled.
    pushfd
    pop eax
    mov ecx, eax
    xor eax, 1 << 21
    push eax
    popfd
    pushfd
    pop eax
    push ecx                                ; restore the original flags
    popfd
    cmp eax, ecx
    mov eax, msg_no_cpuid
    je boot_fail

    mov eax, 1
    cpuid
    test edx, CPUID_1_PAE
    mov eax, msg_no_pae
    jz boot_fail

    mov eax, 0x80000000                     ; highest extended leaf
    cpuid
    cmp eax, 0x80000001
    mov eax, msg_no_long_mode
    jb boot_fail
    mov eax, 0x80000001
    cpuid
    test edx, CPUID_EXT_LM
    mov eax, msg_no_long_mode
    jz boot_fail

    mov ebx, EFER_LME
    test edx, CPUID_EXT_NX
    jz .done
    or ebx, EFER_NXE
.done:
    ret

; build_early_page_tables: 2 MiB pages for physical 0..4 GiB, reachable three ways:
; identity (the code running now), the direct map at 0xffff800000000000 (so C can read the boot
; information wherever GRUB put it) and the kernel window at 0xffffffff80000000 (first GiB).
; The PCI hole is mapped write-back here; the firmware's MTRRs keep it uncached, and the kernel
; replaces these tables before it touches any device memory through them.
build_early_page_tables:
    mov edi, early_pml4
    mov ecx, EARLY_TABLES_DWORDS
    xor eax, eax
    rep stosd

    mov eax, early_pdpt_low + PTE_PRESENT + PTE_WRITE
    mov [early_pml4 + 0 * 8], eax
    mov [early_pml4 + 256 * 8], eax
    mov eax, early_pdpt_high + PTE_PRESENT + PTE_WRITE
    mov [early_pml4 + 511 * 8], eax

    mov eax, early_pd + PTE_PRESENT + PTE_WRITE
    mov [early_pdpt_high + 510 * 8], eax    ; -2 GiB -> physical 0
    mov ecx, 0
.pdpt:                                      ; early_pdpt_low[i] -> early_pd + i * 4096
    mov [early_pdpt_low + ecx * 8], eax
    add eax, 4096
    inc ecx
    cmp ecx, 4
    jb .pdpt

    mov eax, PTE_PRESENT + PTE_WRITE + PTE_HUGE
    mov ecx, 0
.pd:                                        ; early_pd[k] -> k * 2 MiB, k < 2048
    mov [early_pd + ecx * 8], eax
    add eax, 1 << 21
    inc ecx
    cmp ecx, 4 * 512
    jb .pd
    ret

; enter_long_mode: the order is the one the Intel SDM (vol. 3, 10.8.5) requires:
; PAE on, CR3 loaded, EFER.LME set, then paging on; a far jump then enters 64-bit code.
enter_long_mode:
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax

    mov eax, early_pml4
    mov cr3, eax

    mov ecx, MSR_EFER
    rdmsr
    or eax, ebx                             ; LME, and NXE when the CPU has it
    wrmsr

    mov eax, cr0
    or eax, CR0_PG | CR0_WP
    mov cr0, eax

    lgdt [early_gdt_pointer]
    jmp 0x08:long_mode_entry

; boot_fail: prints the message at EAX on COM1 and stops the CPU for good.
boot_fail:
    call serial_puts32
.halt:
    cli
    hlt
    jmp .halt

; serial_init32: COM1 at 115200 8N1, FIFOs on. drivers/serial.c programs it again the same way.
serial_init32:
    mov dx, COM1 + 1
    xor al, al
    out dx, al                              ; no UART interrupts
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al                              ; DLAB on: next two ports are the divisor
    mov dx, COM1 + 0
    mov al, 1
    out dx, al                              ; divisor 1 = 115200 baud
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al                              ; DLAB off, 8 bits, no parity, 1 stop bit
    mov dx, COM1 + 2
    mov al, 0xc7
    out dx, al                              ; FIFOs on and cleared
    ret

; serial_puts32: writes the NUL-terminated string at EAX to COM1.
serial_puts32:
    mov ecx, eax
.next:
    mov al, [ecx]
    test al, al
    jz .done
    mov dx, COM1 + 5
    mov ah, al
.wait:                                      ; wait until the transmit holding register is empty
    in al, dx
    test al, 0x20
    jz .wait
    mov dx, COM1
    mov al, ah
    out dx, al
    inc ecx
    jmp .next
.done:
    ret

; ---------------------------------------------------------------------------------------------
bits 64
long_mode_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    mov rax, higher_half_entry              ; leave the identity map for the kernel's own addresses
    jmp rax
