/* kernel/main.c - kmain, where the boot path of boot/boot.asm arrives in C, and the order in
 * which the kernel brings itself up: CPU tables, console, boot information, command line,
 * memory, threads, interrupt controller, clock and scheduler, devices, background threads;
 * then the self tests (in the boot thread) or the shell (in a thread of its own).
 *
 * This file is the composition root: the one place that names every driver and service and
 * calls each one's init, in order. Everything else reaches devices only through the
 * interfaces the core defines (kernel/irq.h, kernel/console.h, kernel/clock.h,
 * kernel/power.h), which the drivers fill in at their init. */
#include <stdint.h>

#include "arch/arch.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupt.h"
#include "drivers/debug_exit.h"
#include "drivers/ioapic.h"
#include "drivers/keyboard.h"
#include "drivers/lapic_timer.h"
#include "drivers/pci.h"
#include "drivers/pic.h"
#include "drivers/pit.h"
#include "drivers/serial.h"
#include "drivers/vga.h"
#include "kernel/acpi.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/context.h"
#include "kernel/deferred.h"
#include "kernel/frame_pipe.h"
#include "kernel/ktest.h"
#include "kernel/multiboot.h"
#include "kernel/netdev.h"
#include "kernel/panic.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/thread.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "services/crash.h"
#include "services/sensor.h"
#include "services/shell/shell.h"
#include "services/net/net.h"

/* Parsed once here; read-only afterwards. */
static struct boot_info boot_info;

/* The boot information lies below 4 GiB, which the early page tables map (boot.asm). */
#define BOOT_INFO_LIMIT (1u << 20)

static void read_boot_info(uint64_t info_phys)
{
    const uint32_t *header = phys_to_virt(info_phys);
    size_t available = header[0] < BOOT_INFO_LIMIT ? header[0] : BOOT_INFO_LIMIT;
    multiboot_parse(header, available, info_phys, &boot_info);
}

/* VGA text exists on BIOS machines; under UEFI GRUB leaves no text console behind. */
static bool machine_has_vga_text(void)
{
    if (boot_info.efi_system_table)
        return false;
    return !boot_info.framebuffer.present || boot_info.framebuffer.type == 2;
}

static void run_selftest(void)
{
    const char *selection = cmdline_value("selftest");
    const char *problem = ktest_selection_problem(selection);
    if (problem) {
        printk("cmdline: bad value '%s' for selftest (%s); running all suites\n", selection,
               problem);
        selection = NULL;
    }
    int failures = ktest_run_all(selection);
    printk("selftest: %s\n", failures ? "FAILED" : "all suites passed");
    power_exit(failures == 0);
}

/* `bench` runs the full benchmark, `bench=quick` a twentieth of it; any other value is a
 * typo, and a typo must not start a run of minutes: it is reported and nothing runs. */
enum benchmark_run { BENCH_NONE, BENCH_FULL, BENCH_QUICK };

static enum benchmark_run benchmark_asked(void)
{
    const char *bench = cmdline_value("bench");
    if (!bench)
        return BENCH_NONE;
    if (!*bench)
        return BENCH_FULL;
    if (strcmp(bench, "quick") == 0)
        return BENCH_QUICK;
    printk("cmdline: bad value '%s' for bench (expected quick, or no value for the full run); "
           "no benchmark\n",
           bench);
    return BENCH_NONE;
}

/* Frames nobody holds, plus those on their way from handlers to consumers: constant unless
 * something leaks. The test framework checks it around every suite. */
static uint64_t frames_accounted_for(void)
{
    unsigned long flags = arch_irq_save();
    uint64_t frames = page_alloc_unallocated_count() + frame_pipe_frames_in_flight() +
                      netdev_frames_in_flight();
    arch_irq_restore(flags);
    return frames;
}

/* For the leak check: a few milliseconds for the background threads (a consumer between
 * taking a frame and freeing it, the refill between the pool and the reserve). */
static void let_threads_settle(void)
{
    thread_sleep_ms(5);
}

/* The interrupt controller: the IOAPICs and local APICs the MADT describes, or else the
 * 8259A pair (and then one CPU). Returns true for the APICs. */
static bool start_interrupt_controller(const struct acpi_info *acpi)
{
    int error = acpi ? ioapic_init(&acpi->madt) : -ENODEV;
    if (!error)
        return true;
    if (acpi)
        printk("apic: the APICs cannot be set up (%s); one CPU and the 8259\n", errno_name(error));
    error = pic_init();
    if (error)
        panic("irq: the 8259A pair cannot be the interrupt controller (%s)", errno_name(error));
    return false;
}

/* The clock: each CPU's local APIC timer, or the PIT when there are no APICs (or the local
 * APIC timer cannot be calibrated). pit_hz= sets the tick rate of either. */
static void start_clock(bool apic)
{
    uint32_t hz = (uint32_t)cmdline_uint("pit_hz", PIT_DEFAULT_HZ, PIT_MIN_HZ, PIT_MAX_HZ);
    int error = apic ? clock_init(&pit_clock_reference, &lapic_timer_tick_source, hz) : -ENODEV;
    if (error)
        error = clock_init(&pit_clock_reference, &pit_tick_source, hz);
    if (error)
        printk("clock: no timer interrupt (%s)\n", errno_name(error));
}

/* The interrupt controller, the clock and the scheduler's tick, then each device that
 * interrupts (every driver requests its own line), then interrupts on. A device that fails
 * to start is reported and left out. Returns true when the APICs serve: the other CPUs can
 * be started. */
static bool start_interrupts(void)
{
    bool apic = start_interrupt_controller(acpi_init(&boot_info));
    start_clock(apic);
    sched_start();
    int error = keyboard_init();
    if (error)
        printk("keyboard: no keyboard input (%s)\n", errno_name(error));
    error = serial_enable_receive_interrupt();
    if (error)
        printk("serial: no serial input (%s)\n", errno_name(error));
    pci_init(); /* drivers request their lines as they bind */
    arch_irq_enable();
    /* Work asked for while interrupts were off (moving the pads the drivers claimed) runs now,
     * before the self tests or the shell, not at the first idle. */
    deferred_run();
    return apic;
}

/* The threads that do the kernel's background work. */
static void start_threads(void)
{
    if (deferred_thread_start(0) != 0)
        printk("deferred: no thread to run deferred work; the landing pads will not refill\n");
    sensor_init();
    net_init();
}

/* The shell runs in a thread of its own, like any other; the boot thread's work is done. */
static void start_shell(void)
{
    struct thread *shell = thread_create("shell", shell_main, NULL, THREAD_PRIORITY_NORMAL);
    if (!shell)
        panic("shell: no thread for the shell");
    /* The keyboard's frames are the console reader's: the shell's from now on, those typed
     * during boot included. (The shell prints its prompt before it reads: it finds them its
     * own.) */
    keyboard_set_reader(thread_context(shell));
    thread_detach(shell);
    thread_detach(thread_current());
    thread_exit(0);
}

void kmain(uint32_t magic, uint64_t info_phys);

void kmain(uint32_t magic, uint64_t info_phys)
{
    x86_gdt_init();
    context_start_cpu(); /* what the allocator records as the owner of boot's frames */
    x86_idt_init();
    serial_init(); /* the first console: everything from here on may log */
    debug_exit_init();
    if (magic != MULTIBOOT2_BOOT_MAGIC) /* boot.asm checked; this documents the contract */
        panic("not booted by a multiboot2 loader (magic %#x)", magic);

    read_boot_info(info_phys);
    if (machine_has_vga_text())
        vga_init();
    printk("Labyrinth: x86-64 kernel, booted by %s\n",
           boot_info.loader_name[0] ? boot_info.loader_name : "an unnamed loader");
    printk("Labyrinth: command line '%s'\n", boot_info.cmdline);
    cmdline_parse(boot_info.cmdline, boot_info.cmdline_length);
    bool selftest = cmdline_has("selftest");
    panic_set_exit_on_stop(selftest);
    mm_init(&boot_info, selftest);
    thread_init(); /* kmain becomes the thread "boot" */
    ktest_set_leak_counter(frames_accounted_for, let_threads_settle);
    if (selftest)
        ktest_read_options();

    bool apic = start_interrupts();
    start_threads();
    smp_start(apic ? &acpi_tables()->madt : NULL, mm_low_page());
    enum benchmark_run bench = benchmark_asked();
    const char *crash = cmdline_value("crash");
    if (crash && !crash_is_known(crash))
        crash = NULL;
    cmdline_report_unknown();
    page_alloc_wait_start(); /* the kernel's threads run: GFP_KERNEL may wait for memory now */
    if (selftest)
        run_selftest();
    if (bench != BENCH_NONE)
        ktest_benchmark(bench == BENCH_QUICK);
    if (crash)
        crash_run(crash);
    start_shell();
}
