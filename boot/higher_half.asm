; boot/higher_half.asm - the first code at the kernel's own (higher-half) addresses: boot.asm
; jumps here in long mode, still on its early page tables, with the multiboot2 magic in EBP
; and the boot information's physical address in ESI. Sets up the boot stack, clears .bss and
; calls kmain. A file of its own because NASM describes one section per file to debuggers:
; in boot.asm, gdb would find this code in no function ("not in symtab") at every step.

extern kmain
extern boot_stack_top
extern __bss_start, __bss_end

section .text
bits 64
global higher_half_entry:function (higher_half_entry.end - higher_half_entry)
higher_half_entry:
    mov rsp, [rel boot_stack_top]

    ; Zero .bss: the C code relies on it, and not every loader clears it.
    mov rdi, __bss_start
    mov rcx, __bss_end
    sub rcx, rdi
    shr rcx, 3
    xor eax, eax
    rep stosq

    ; kmain(magic, boot information physical address) takes them in EDI and RSI.
    mov edi, ebp
    mov esi, esi                            ; zero-extends into RSI
    xor ebp, ebp                            ; a zero frame pointer ends every backtrace
    call kmain
.halt:                                      ; kmain does not return; if it did, stop here
    cli
    hlt
    jmp .halt
.end:
