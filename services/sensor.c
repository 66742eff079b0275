/* services/sensor.c - sampling in the timer's interrupt, processing in a consumer thread that
 * sleeps on the frame pipe until the handler hands it a full frame. */
#include "services/sensor.h"

#include "arch/arch.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/irq.h"
#include "kernel/mutex.h"
#include "kernel/printk.h"
#include "kernel/thread.h"
#include "lib/errno.h"

#define SAMPLE_EVERY_MAX 100000

/* Landing pads of the handler's own (kernel/irq.h: irq_claim_pads). A frame holds 255
 * samples: at the default rate (a sample every 10 ticks at 1000 Hz) one frame lasts 2.5 s, at
 * a sample every tick 255 ms, at every tick of 10 kHz 25 ms. 4 pads carry it through a second
 * of sampling every tick at 1000 Hz with no refill at all. */
#define SENSOR_PADS 4

/* Its consumer is the consumer thread, from sensor_init on: until then a frame would be
 * refused, but none is written before sensor_set_interval. */
static struct frame_pipe pipe =
        FRAME_PIPE_INIT("sensor samples", sizeof(struct sensor_sample), CONTEXT_NONE, NULL);

/* The interrupt handler's: written by sensor_set_interval with a single store. */
static uint32_t sample_every;
static uint32_t ticks_to_next; /* the handler's own countdown */

/* figures_lock guards the consumer's figures: the consumer thread writes them, the shell's
 * thread reads them. */
static struct mutex figures_lock = MUTEX_INIT("sensor figures");
static struct sensor_stats figures;
static uint64_t jitter_sum_ns, interval_sum_ns, previous_tsc;

/* On the tick's line, which may be per CPU: the samples are CPU 0's ticks (the clock's), and
 * the countdown and the frame being filled are kept by that one CPU. */
static void sensor_tick(int irq, void *dev_id)
{
    (void)irq;
    (void)dev_id;
    if (arch_cpu_id() != 0)
        return;
    /* LAB sensor: begin sample
     * Every `sample_every` ticks (0: paused; read it once, with READ_ONCE), take a sample,
     * the TSC and the tick count, and write it into the pipe: frame_pipe_write. */
    uint32_t every = READ_ONCE(sample_every); /* pairs with sensor_set_interval */
    if (!every || ++ticks_to_next < every)
        return;
    ticks_to_next = 0;
    struct sensor_sample sample = {arch_cycles(), clock_ticks()};
    frame_pipe_write(&pipe, &sample); /* a drop is counted by the pipe */
    /* LAB sensor: end sample */
}

int sensor_set_interval(uint32_t ticks)
{
    if (ticks > SAMPLE_EVERY_MAX)
        return -EINVAL;
    WRITE_ONCE(sample_every, ticks);
    return 0;
}

static void take_sample(const struct sensor_sample *sample, uint32_t every)
{
    figures.samples++;
    if (previous_tsc && every) {
        uint64_t interval = clock_cycles_to_ns(sample->tsc - previous_tsc);
        uint64_t expected = (uint64_t)every * 1000000000ull / clock_tick_rate();
        figures.expected_ns = expected;
        figures.shortest_ns = figures.intervals ? MIN(figures.shortest_ns, interval) : interval;
        figures.longest_ns = MAX(figures.longest_ns, interval);
        interval_sum_ns += interval;
        jitter_sum_ns += interval > expected ? interval - expected : expected - interval;
        figures.intervals++;
    }
    previous_tsc = sample->tsc;
}

/* Works out the figures of one frame's samples, then frees the frame (ours since the
 * hand-over; the free also tops the reserve up). */
static void consume_frame(struct page *frame)
{
    const struct frame_pipe_header *header = page_address(frame);
    const struct sensor_sample *samples = (const void *)(header + 1);
    uint32_t every = READ_ONCE(sample_every);
    if (mutex_lock(&figures_lock) == 0) {
        for (uint32_t i = 0; i < header->records; i++)
            take_sample(&samples[i], every);
        mutex_unlock(&figures_lock);
    }
    int error = free_page(frame);
    if (error)
        printk("sensor: a consumed frame was not freed (%s)\n", errno_name(error));
}

/* The consumer thread: asleep until the handler hands a frame over. */
static void sensor_consumer(void *arg)
{
    (void)arg;
    for (;;) {
        struct page *frame = frame_pipe_take_wait(&pipe, 0);
        if (frame)
            consume_frame(frame);
    }
}

void sensor_get_stats(struct sensor_stats *stats)
{
    if (mutex_lock(&figures_lock) != 0) {
        *stats = (struct sensor_stats){0};
        return;
    }
    *stats = figures;
    stats->sample_every = READ_ONCE(sample_every);
    if (figures.intervals) {
        stats->mean_ns = interval_sum_ns / figures.intervals;
        stats->mean_jitter_ns = jitter_sum_ns / figures.intervals;
    }
    mutex_unlock(&figures_lock);
    frame_pipe_get_stats(&pipe, &stats->pipe);
}

void sensor_init(void)
{
    uint32_t every = (uint32_t)cmdline_uint("sample_every", 10, 1, SAMPLE_EVERY_MAX);
    if (frame_pipe_register(&pipe) != 0 ||
        request_irq(clock_tick_line(), sensor_tick, "sensor", &pipe) != 0) {
        printk("sensor: cannot share the timer's line; no samples\n");
        return;
    }
    int error = irq_claim_pads(clock_tick_line(), &pipe, SENSOR_PADS);
    if (error)
        printk("sensor: no landing pads of its own (%s); using the shared ones\n",
               errno_name(error));
    struct thread *consumer =
            thread_create("sensor", sensor_consumer, NULL, THREAD_PRIORITY_NORMAL);
    if (!consumer) {
        free_irq(clock_tick_line(), &pipe);
        printk("sensor: no consumer thread; no samples\n");
        return;
    }
    thread_detach(consumer);
    frame_pipe_set_consumer(&pipe, thread_context(consumer)); /* nothing is queued yet */
    sensor_set_interval(every);
    printk("sensor: a sample every %u ticks, %u samples a frame\n", every,
           frame_pipe_capacity(&pipe));
}
