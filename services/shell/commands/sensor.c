/* services/shell/commands/sensor.c - sensor: the timer sensor's samples and their jitter. */
#include "kernel/printk.h"
#include "lib/errno.h"
#include "services/sensor.h"
#include "services/shell/shell.h"

static int sensor_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    struct sensor_stats s;
    sensor_get_stats(&s);
    printk("sensor: a sample every %u ticks; %lu samples consumed, %lu dropped (no frame)\n",
           s.sample_every, s.samples, s.pipe.drops);
    printk("sensor: %lu frames handed over by the interrupt, %lu consumed\n", s.pipe.frames_handed,
           s.pipe.frames_taken);
    printk("sensor: interval expected %lu us; shortest %lu, mean %lu, longest %lu us; mean "
           "jitter %lu us\n",
           s.expected_ns / 1000, s.shortest_ns / 1000, s.mean_ns / 1000, s.longest_ns / 1000,
           s.mean_jitter_ns / 1000);
    return 0;
}
SHELL_COMMAND(sensor, "samples taken by the timer interrupt, and their jitter", sensor_command);
