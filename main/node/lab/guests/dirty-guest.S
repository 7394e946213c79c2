/*
 * The lab's guest payload: a multiboot kernel (32-bit, loaded at 1 MiB by QEMU's -kernel) that
 *  1. fills all RAM above 2 MiB with pseudo-random words (an LCG), so a migration moves real, non-zero bytes;
 *  2. programs the PIT for `pit_divisor` and, on every timer tick, rewrites one word in each of
 *     `pages_per_tick` pages (walking RAM from 2 MiB to the top), so guest RAM keeps being dirtied at
 *     a bounded, known rate (pages_per_tick × 4 KiB × tick rate) and a migration's downtime means something;
 *  3. sleeps with `hlt` between ticks (an idle TCG guest costs little host CPU);
 *  4. powers off (ACPI S5 through the PIIX4/ICH9 PM block at `pm_base`) when the power button is pressed
 *     (QMP system_powerdown), as a guest OS answering a shutdown request would.
 * Counters at fixed addresses (see `params`) let the host read what the guest did with QMP `xp`.
 *
 * Build (binutils): as --32 -o g.o dirty-guest.S && ld -m elf_i386 -Ttext=0x100000 --oformat binary -o g.bin g.o
 * The bytes are embedded in payload.ts; payload.test.ts rebuilds them from this file and compares.
 */
        .code32
        .text
        .globl _start
_start:
header:                         /* multiboot header with the a.out kludge (flags bit 16): load at `header` */
        .long 0x1BADB002
        .long 0x00010002        /* bit 1: memory info wanted; bit 16: the address fields below are valid */
        .long -(0x1BADB002 + 0x00010002)
        .long header            /* header_addr */
        .long header            /* load_addr */
        .long 0                 /* load_end_addr: the whole file */
        .long 0                 /* bss_end_addr: none */
        .long entry             /* entry_addr */
params:                         /* offset 0x20: patched by the launcher, read back through QMP */
seed:           .long 0x2545F491    /* 0x20 LCG state (written back as it advances) */
pages_per_tick: .long 16            /* 0x24 pages dirtied per timer tick */
pit_divisor:    .long 11932         /* 0x28 PIT divisor: 1193182 / 11932 = 100 Hz */
pm_base:        .long 0x600         /* 0x2c ACPI PM I/O base (QEMU's pc and q35 machines) */
top:            .long 0             /* 0x30 first byte above RAM (from the multiboot memory info) */
ticks:          .long 0             /* 0x34 timer ticks seen */
filled:         .long 0             /* 0x38 1 once RAM is filled */
dirtied:        .long 0             /* 0x3c pages dirtied since the fill */
        .balign 8
gdt:    .quad 0
        .quad 0x00CF9A000000FFFF    /* 0x08: flat 32-bit code */
        .quad 0x00CF92000000FFFF    /* 0x10: flat 32-bit data */
gdt_desc:
        .word 23
        .long gdt
        .balign 4
idt_desc:
        .word 0x21*8 - 1
        .long idt
entry:
        cli
        lgdt gdt_desc
        ljmp $0x08, $reload
reload:
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov %ax, %fs
        mov %ax, %gs
        mov $stack_top, %esp
        mov 8(%ebx), %ecx       /* mem_upper: KiB above 1 MiB */
        shl $10, %ecx
        add $0x100000, %ecx
        and $0xFFFFF000, %ecx
        mov %ecx, top
        mov seed, %eax
        mov $0x200000, %edi
        cld
fill:
        imul $1664525, %eax, %eax
        add $1013904223, %eax
        stosl
        cmp %ecx, %edi
        jb fill
        mov %eax, seed
        movl $1, filled
        /* PIC: master at vector 0x20, slave at 0x28; only IRQ0 (the PIT) unmasked */
        mov $0x11, %al
        out %al, $0x20
        out %al, $0xA0
        mov $0x20, %al
        out %al, $0x21
        mov $0x28, %al
        out %al, $0xA1
        mov $0x04, %al
        out %al, $0x21
        mov $0x02, %al
        out %al, $0xA1
        mov $0x01, %al
        out %al, $0x21
        out %al, $0xA1
        mov $0xFE, %al
        out %al, $0x21
        mov $0xFF, %al
        out %al, $0xA1
        /* PIT channel 0: rate generator at pit_divisor */
        mov $0x34, %al
        out %al, $0x43
        mov pit_divisor, %eax
        out %al, $0x40
        mov %ah, %al
        out %al, $0x40
        /* ACPI: enable the power button event (PM1_EN bit 8) so system_powerdown sets PWRBTN_STS */
        mov pm_base, %edx
        add $2, %edx
        mov $0x100, %ax
        out %ax, (%dx)
        /* IDT: one interrupt gate, vector 0x20 -> timer */
        mov $timer, %eax
        mov $idt + 0x20*8, %edi
        mov %ax, (%edi)
        movw $0x08, 2(%edi)
        movw $0x8E00, 4(%edi)
        shr $16, %eax
        mov %ax, 6(%edi)
        lidt idt_desc
        mov $0x200000, %edi
        sti
idle:
        hlt
        mov pm_base, %edx
        in (%dx), %ax           /* PM1_STS */
        test $0x100, %ax        /* PWRBTN_STS */
        jnz poweroff
        mov pages_per_tick, %ecx
        jecxz idle
        add %ecx, dirtied
        mov seed, %eax
dirty:
        imul $1664525, %eax, %eax
        add $1013904223, %eax
        mov %eax, (%edi)
        add $4096, %edi
        cmp top, %edi
        jb 1f
        mov $0x200000, %edi
1:      loop dirty
        mov %eax, seed
        jmp idle
poweroff:
        add $4, %edx            /* PM1_CNT: SLP_EN with SLP_TYP 0 = S5 on QEMU's PM blocks */
        mov $0x2000, %ax
        out %ax, (%dx)
        cli
        hlt
        jmp poweroff
timer:
        push %eax
        incl ticks
        mov $0x20, %al
        out %al, $0x20          /* EOI */
        pop %eax
        iret
        .balign 8
idt:
        .fill 0x21*8, 1, 0
stack:
        .fill 256, 1, 0
stack_top:
