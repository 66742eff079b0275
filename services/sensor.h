/* services/sensor.h - the timer as a sensor, standing in for the data source of an embedded
 * system: every `sample_every` ticks (default 10, option sample_every=) the timer interrupt
 * records a timestamped sample into a frame taken with alloc_page(GFP_ATOMIC | EXCLUSIVE),
 * many samples a frame, and hands full frames to its consumer thread, which works out how
 * regular the samples were (the jitter) and frees the frames.
 */
#ifndef SERVICES_SENSOR_H
#define SERVICES_SENSOR_H

#include <stdint.h>

#include "kernel/frame_pipe.h"

struct sensor_sample {
    uint64_t tsc;  /* when the interrupt took it */
    uint64_t tick; /* the tick count then */
};

struct sensor_stats {
    uint32_t sample_every; /* ticks between samples; 0 while paused */
    uint64_t samples;      /* consumed */
    uint64_t intervals;    /* consecutive pairs measured */
    uint64_t expected_ns;  /* the interval the rate asks for */
    uint64_t shortest_ns, longest_ns, mean_ns;
    uint64_t mean_jitter_ns;      /* mean distance from expected_ns */
    struct frame_pipe_stats pipe; /* records written, dropped, frames handed and taken */
};

/* Reads sample_every= (1 ... 100000; bad values get the one-line report and 10), shares the
 * tick's IRQ line with the clock and starts the consumer thread. Boot, in a thread, after
 * clock_init and sched_start. */
void sensor_init(void);

/* Samples every `ticks` ticks from now on; 0 pauses. Returns 0, or -EINVAL above 100000.
 * Any context. */
int sensor_set_interval(uint32_t ticks);

/* The figures so far (zero from a context that may not sleep). Thread context; waits for
 * the consumer to finish the frame it is on. */
void sensor_get_stats(struct sensor_stats *stats);

#endif
