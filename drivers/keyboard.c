/* drivers/keyboard.c - the i8042 PS/2 controller and the keyboard behind it: bringing the
 * controller up without leaving a stale byte behind, the IRQ 1 handler and its handoff to
 * ordinary code. Scancodes are decoded by lib/scancode.c. */
#include "drivers/keyboard.h"

#include "arch/arch.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/power.h"
#include "kernel/frame_pipe.h"
#include "lib/errno.h"
#include "kernel/irq.h"
#include "kernel/printk.h"

#define I8042_DATA    0x60
#define I8042_STATUS  0x64 /* read */
#define I8042_COMMAND 0x64 /* write */

#define STATUS_OUTPUT_FULL 0x01 /* a byte waits at I8042_DATA */
#define STATUS_INPUT_FULL  0x02 /* the controller has not taken our last write yet */
#define STATUS_AUX_DATA    0x20 /* the waiting byte comes from the second (mouse) port */

#define COMMAND_READ_CONFIG   0x20
#define COMMAND_WRITE_CONFIG  0x60
#define COMMAND_DISABLE_PORT2 0xa7
#define COMMAND_TEST_PORT1    0xab
#define COMMAND_SELF_TEST     0xaa
#define COMMAND_DISABLE_PORT1 0xad
#define COMMAND_ENABLE_PORT1  0xae
#define COMMAND_PULSE_RESET   0xfe

#define CONFIG_IRQ1         0x01
#define CONFIG_IRQ12        0x02
#define CONFIG_PORT1_OFF    0x10 /* set by COMMAND_DISABLE_PORT1, cleared by ..._ENABLE_PORT1 */
#define CONFIG_PORT2_OFF    0x20
#define CONFIG_TRANSLATE    0x40 /* the controller turns set 2 into set 1 */
#define SELF_TEST_PASSED    0x55
#define PORT_TEST_PASSED    0x00
#define DEVICE_SET_DEFAULTS 0xf6
#define DEVICE_ENABLE_SCAN  0xf4
#define DEVICE_ACK          0xfa
#define DEVICE_RESEND       0xfe

/* A status read takes about a microsecond: this is a wait of a few hundred milliseconds. */
#define POLLS_MAX 500000

/* The handoff: the interrupt handler writes each scancode, with its time, into an EXCLUSIVE
 * frame of its own (alloc_page(GFP_ATOMIC | EXCLUSIVE)) and hands the frame over at the end
 * of the interrupt: a keystroke must not wait for a full frame. In ordinary context,
 * drain_frames decodes the scancodes of every handed-over frame into key events, and frees
 * the frames (which tops the atomic reserve up).
 *
 * With no frame to be had, a scancode is dropped. A dropped key release must not leave a
 * modifier held for good, so the handler also decodes every scancode it reads, into a
 * decoder of its own that needs no memory, and the first record after a drop carries that
 * decoder's state: the consumer resynchronises from it (scancode_resync). */
struct scancode_record {
    uint64_t tsc;
    uint8_t scancode;
    bool after_drop;                /* scancodes were dropped just before this one */
    struct scancode_decoder before; /* the handler's decoder, before this scancode */
};

static struct frame_pipe scancode_pipe =
        FRAME_PIPE_INIT("keyboard scancodes", sizeof(struct scancode_record), CONTEXT_BOOT, NULL);

/* Landing pads of the handler's own (kernel/irq.h: irq_claim_pads), so keys keep arriving when
 * ordinary code or another handler has used up every other frame. Each scancode takes a frame
 * (it is handed over at once), and the frames come back when the console reads them. QEMU's
 * keyboard queues 16 scancodes and a PC's i8042 buffer not many more: 32 pads hold two full
 * queues, typed while the shell is busy with one command and the refill has not run. */
#define KEYBOARD_PADS 32

/* Touched only by the interrupt handler. */
static struct scancode_decoder handler_decoder;
static bool dropped_since_last_record;

/* Written only by the interrupt handler, read whole by keyboard_stats_read. */
static uint64_t scancodes_read, stale_interrupts;

/* Key events decoded and not read yet, and the decoder: touched only in ordinary context, by
 * the console's one reader (keyboard_read_event and what it calls). */
#define EVENTS_MAX 256
static struct key_event events[EVENTS_MAX];
static uint32_t events_head, events_tail; /* run freely; head - tail are stored */
static uint64_t events_dropped;           /* the console fell behind */
static uint64_t resyncs;                  /* drops after which the decoder had drifted */
static uint64_t longest_delivery_ns;      /* from the interrupt to drain_frames */
static struct scancode_decoder live_decoder;

static void handoff_scancode(uint8_t scancode)
{
    struct scancode_record record = {arch_cycles(), scancode, dropped_since_last_record,
                                     handler_decoder};
    struct key_event unused;
    scancode_decode(&handler_decoder, scancode, &unused); /* every scancode, kept or not */
    if (!frame_pipe_write(&scancode_pipe, &record)) {     /* no frame: dropped, counted */
        dropped_since_last_record = true;
        return;
    }
    dropped_since_last_record = false;
    frame_pipe_flush(&scancode_pipe);
    console_input_arrived();
}

static void consume_record(const struct scancode_record *record)
{
    if (record->after_drop && scancode_resync(&live_decoder, &record->before))
        resyncs++;
    struct key_event event;
    if (!scancode_decode(&live_decoder, record->scancode, &event))
        return;
    if (events_head - events_tail == EVENTS_MAX) {
        events_dropped++;
        return;
    }
    events[events_head++ % EVENTS_MAX] = event;
}

/* Decodes the records of every handed-over frame, and frees the frames. */
static void drain_frames(void)
{
    struct page *frame;
    while ((frame = frame_pipe_take(&scancode_pipe)) != NULL) {
        const struct frame_pipe_header *header = page_address(frame);
        const struct scancode_record *records = (const void *)(header + 1);
        uint64_t now = arch_cycles();
        for (uint32_t i = 0; i < header->records; i++) {
            consume_record(&records[i]);
            longest_delivery_ns =
                    MAX(longest_delivery_ns, clock_cycles_to_ns(now - records[i].tsc));
        }
        int error = free_page(frame); /* ours since the hand-over */
        if (error)
            printk("keyboard: frame %#lx not freed (%s)\n", page_to_phys(frame), errno_name(error));
    }
}

/* IRQ 1: read the byte the controller holds and hand it over (noting what it does to the
 * modifier keys on the way); nothing more. */
static void keyboard_interrupt(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    uint8_t status = x86_inb(I8042_STATUS);
    if (!(status & STATUS_OUTPUT_FULL)) {
        /* A request latched by the PIC before the buffer was flushed: reading the data port
         * now would return an old byte and type a phantom key. */
        WRITE_ONCE(stale_interrupts, stale_interrupts + 1);
        return;
    }
    uint8_t scancode = x86_inb(I8042_DATA);
    if (status & STATUS_AUX_DATA)
        return; /* the mouse port is off; a byte from it is not a key */
    WRITE_ONCE(scancodes_read, scancodes_read + 1);
    handoff_scancode(scancode);
}

static bool wait_status(uint8_t bit, bool set)
{
    for (int polls = 0; polls < POLLS_MAX; polls++) {
        if (!!(x86_inb(I8042_STATUS) & bit) == set)
            return true;
        arch_cpu_relax();
    }
    return false;
}

static bool write_port(uint16_t port, uint8_t value)
{
    if (!wait_status(STATUS_INPUT_FULL, false))
        return false;
    x86_outb(port, value);
    return true;
}

/* The next byte from the controller or the keyboard, or -1 after the timeout. */
static int read_data(void)
{
    if (!wait_status(STATUS_OUTPUT_FULL, true))
        return -1;
    return x86_inb(I8042_DATA);
}

static void flush_output(void)
{
    for (int i = 0; i < 64 && (x86_inb(I8042_STATUS) & STATUS_OUTPUT_FULL); i++)
        x86_inb(I8042_DATA);
}

/* A controller command that answers with one byte; -1 when it does not. */
static int controller_query(uint8_t command)
{
    return write_port(I8042_COMMAND, command) ? read_data() : -1;
}

static bool write_config(uint8_t config)
{
    return write_port(I8042_COMMAND, COMMAND_WRITE_CONFIG) && write_port(I8042_DATA, config);
}

/* A command for the keyboard itself; it answers ACK, or RESEND to ask for it again. */
static bool keyboard_command(uint8_t command)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        if (!write_port(I8042_DATA, command))
            return false;
        int reply = read_data();
        if (reply == DEVICE_ACK)
            return true;
        if (reply != DEVICE_RESEND)
            return false;
    }
    return false;
}

/* Brings the controller to a known state with both ports off and no interrupts, so no reply
 * below can raise IRQ 1. Returns the configuration byte to use, or -1. */
static int controller_quiesce(void)
{
    if (!write_port(I8042_COMMAND, COMMAND_DISABLE_PORT1) ||
        !write_port(I8042_COMMAND, COMMAND_DISABLE_PORT2))
        return -1;
    flush_output();
    int config = controller_query(COMMAND_READ_CONFIG);
    if (config < 0)
        return -1;
    config &= ~(CONFIG_IRQ1 | CONFIG_IRQ12);
    config |= CONFIG_TRANSLATE | CONFIG_PORT2_OFF;
    return write_config((uint8_t)config) ? config : -1;
}

static int controller_setup(void)
{
    int config = controller_quiesce();
    if (config < 0)
        return -EIO;
    if (controller_query(COMMAND_SELF_TEST) != SELF_TEST_PASSED)
        return -EIO;
    /* The self test resets some controllers: write the configuration again. */
    if (!write_config((uint8_t)config) || controller_query(COMMAND_TEST_PORT1) != PORT_TEST_PASSED)
        return -EIO;
    if (!write_port(I8042_COMMAND, COMMAND_ENABLE_PORT1) ||
        !keyboard_command(DEVICE_SET_DEFAULTS) || !keyboard_command(DEVICE_ENABLE_SCAN))
        return -EIO;
    /* Nothing may be left in the buffer when IRQ 1 comes on: it would arrive as a key. */
    flush_output();
    /* The byte was read with port 1 off; the port is on now and must stay on. */
    config = (config & ~CONFIG_PORT1_OFF) | CONFIG_IRQ1;
    return write_config((uint8_t)config) ? 0 : -EIO;
}

/* What a terminal sends for the arrow keys: the console's line editing then treats the
 * keyboard's arrows as it treats the serial line's (up and down walk the history). */
static const char *arrow_sequence(uint16_t code)
{
    switch (code) {
    case KEY_UP:
        return "\x1b[A";
    case KEY_DOWN:
        return "\x1b[B";
    case KEY_RIGHT:
        return "\x1b[C";
    case KEY_LEFT:
        return "\x1b[D";
    default:
        return NULL;
    }
}

/* The rest of an arrow's sequence, still to be read. Used only by the console's one reader. */
static const char *sequence_left = "";

/* The characters typed: key presses that type something, and arrows as escape sequences.
 * Ordinary context, the console's one reader. */
static int keyboard_read_char(void)
{
    if (*sequence_left)
        return (unsigned char)*sequence_left++;
    struct key_event event;
    while (keyboard_read_event(&event)) {
        const char *sequence = event.pressed ? arrow_sequence(event.code) : NULL;
        if (sequence) {
            sequence_left = sequence + 1;
            return (unsigned char)sequence[0];
        }
        if (event.pressed && event.character)
            return (unsigned char)event.character;
    }
    return -1;
}

static bool keyboard_source_pending(void)
{
    return *READ_ONCE(sequence_left) || keyboard_input_pending();
}

static struct console_source keyboard_source = {
        .name = "keyboard", .read_char = keyboard_read_char, .pending = keyboard_source_pending};

static void claim_pads(void)
{
    int error = irq_claim_pads(1, NULL, KEYBOARD_PADS);
    if (error)
        printk("keyboard: no landing pads of its own (%s); using the shared ones\n",
               errno_name(error));
}

int keyboard_init(void)
{
    int error = controller_setup();
    if (error) {
        printk("keyboard: the i8042 controller or the keyboard did not answer\n");
        return error;
    }
    error = frame_pipe_register(&scancode_pipe);
    if (error)
        return error;
    power_set_restart_hook(keyboard_reset_system); /* the controller works: it can reset */
    error = request_irq(1, keyboard_interrupt, "keyboard", NULL);
    if (error)
        return error;
    claim_pads();
    console_add_source(&keyboard_source);
    return 0;
}

void keyboard_stats_read(struct keyboard_stats *stats)
{
    /* Each pairs with the handler's stores. */
    stats->scancodes = READ_ONCE(scancodes_read);
    stats->stale_interrupts = READ_ONCE(stale_interrupts);
    struct frame_pipe_stats pipe;
    frame_pipe_get_stats(&scancode_pipe, &pipe);
    stats->dropped = events_dropped + pipe.drops;
    stats->resyncs = resyncs;
    stats->frames = pipe.frames_handed;
    stats->longest_delivery_ns = longest_delivery_ns;
}

void keyboard_reset_system(void)
{
    write_port(I8042_COMMAND, COMMAND_PULSE_RESET);
}

bool keyboard_read_event(struct key_event *event)
{
    drain_frames();
    if (events_head == events_tail)
        return false;
    *event = events[events_tail++ % EVENTS_MAX];
    return true;
}

int keyboard_set_reader(context_t reader)
{
    return frame_pipe_set_consumer(&scancode_pipe, reader);
}

bool keyboard_input_pending(void)
{
    struct frame_pipe_stats pipe;
    frame_pipe_get_stats(&scancode_pipe, &pipe);
    return READ_ONCE(events_head) != READ_ONCE(events_tail) || pipe.queued > 0;
}
