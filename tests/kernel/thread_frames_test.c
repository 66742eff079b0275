/* tests/kernel/thread_frames_test.c - threads as owners of EXCLUSIVE frames: a frame taken in
 * a thread is that thread's, on whichever CPU it runs; nobody else may free it (refused,
 * counted); it moves by hand-over between threads, and from an interrupt handler to a
 * thread; a thread that ends holding frames has them poisoned, freed and counted, and the
 * free frames are back where they were. The threads here are agents: each runs the jobs the
 * test gives it, one at a time, and ends when told to. */
#include "kernel/clock.h"
#include "kernel/completion.h"
#include "kernel/console.h"
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/thread.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "mm/exclusive.h"
#include "mm/page_alloc.h"
#include "tests/kernel/taker.h"

#define JOB_TIMEOUT_MS 5000
#define HOARD          4 /* blocks an ending thread holds: 3 frames and a block of 2 */
#define HOARD_FRAMES   5u

struct agent {
    struct thread *thread;
    context_t context;
    void (*job)(struct agent *agent); /* the next job; NULL: end */
    struct completion go, done;
    struct page *page;         /* the frame in play */
    struct page *hoard[HOARD]; /* what the job_hoard takes */
    context_t to;              /* job_hand_over: to whom */
    context_t seen;            /* context_current() as the last job saw it */
    int result;                /* the last job's */
    uint64_t freed;            /* job_free_chain's count */
    uint64_t visited, wrong;   /* job_wander's CPUs, and those where the context was wrong */
};

static struct agent first, second;
static struct taker taker = {.name = "test thread frames"};

static void agent_main(void *arg)
{
    struct agent *agent = arg;
    for (;;) {
        if (wait_for_completion(&agent->go, 0) != 0)
            return;
        void (*job)(struct agent *) = READ_ONCE(agent->job);
        if (!job)
            return; /* ends, with whatever it holds */
        job(agent);
        complete(&agent->done);
    }
}

static bool agent_start(struct agent *agent, const char *name)
{
    *agent = (struct agent){.go = COMPLETION_INIT("test agent go"),
                            .done = COMPLETION_INIT("test agent done")};
    agent->thread = thread_create(name, agent_main, agent, THREAD_PRIORITY_NORMAL);
    if (agent->thread)
        agent->context = thread_context(agent->thread);
    return agent->thread != NULL;
}

/* Has the agent run job; true when it finished in time. */
static bool agent_run(struct agent *agent, void (*job)(struct agent *))
{
    WRITE_ONCE(agent->job, job);
    complete(&agent->go);
    return wait_for_completion(&agent->done, JOB_TIMEOUT_MS) == 0;
}

static void agent_end(struct agent *agent)
{
    WRITE_ONCE(agent->job, NULL);
    complete(&agent->go);
    thread_join(agent->thread, NULL);
}

/* --- the jobs ---------------------------------------------------------------------------- */

static void job_take(struct agent *agent)
{
    agent->page = alloc_page(GFP_KERNEL | EXCLUSIVE);
    agent->seen = context_current();
}

static void job_free(struct agent *agent)
{
    agent->result = free_page(agent->page);
}

static void job_hand_over(struct agent *agent)
{
    agent->result = page_hand_over(agent->page, agent->to);
}

static void job_free_chain(struct agent *agent)
{
    agent->freed = taker_free_chain(&taker);
}

/* Three frames and a block of two, each filled with a pattern the poison must replace. */
static void job_hoard(struct agent *agent)
{
    for (int i = 0; i < HOARD; i++) {
        unsigned int order = i == HOARD - 1 ? 1 : 0;
        agent->hoard[i] = alloc_pages(GFP_KERNEL | EXCLUSIVE, order);
        if (agent->hoard[i])
            memset(page_address(agent->hoard[i]), 0x5a, PAGE_SIZE << order);
    }
}

static struct agent *wanderer;

/* On each CPU in turn: the context is still the thread's. */
static void check_context_here(void)
{
    wanderer->visited++;
    if (context_current() != wanderer->context || thread_current() != wanderer->thread ||
        page_owner(wanderer->page) != context_current())
        wanderer->wrong++;
}

static void job_wander(struct agent *agent)
{
    wanderer = agent;
    agent->result = sched_run_on_each_cpu(check_context_here);
}

/* --- the cases --------------------------------------------------------------------------- */

static void a_threads_frame_is_its_own_on_every_cpu(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, agent_start(&first, "owner"));
    KTEST_ASSERT_TRUE(t, agent_start(&second, "other"));
    KTEST_ASSERT_TRUE(t, agent_run(&first, job_take));
    struct page *page = first.page;
    KTEST_ASSERT_NOT_NULL(t, page);
    KTEST_EXPECT_EQ(t, first.seen, first.context);
    KTEST_EXPECT_EQ(t, page_owner(page), first.context);
    KTEST_EXPECT_EQ(t, thread_exclusive_frames(first.context), 1u);

    /* Neither the test's thread nor another agent may free it: refused, counted. */
    struct exclusive_errors before, after;
    exclusive_get_errors(&before);
    KTEST_EXPECT_EQ(t, free_page(page), -EPERM);
    second.page = page;
    KTEST_ASSERT_TRUE(t, agent_run(&second, job_free));
    KTEST_EXPECT_EQ(t, second.result, -EPERM);
    exclusive_get_errors(&after);
    KTEST_EXPECT_EQ(t, after.wrong_owner, before.wrong_owner + 2);
    KTEST_EXPECT_EQ(t, page_owner(page), first.context);

    /* It moves from CPU to CPU (where there are several), and stays itself. */
    KTEST_ASSERT_TRUE(t, agent_run(&first, job_wander));
    KTEST_EXPECT_EQ(t, first.result, 0);
    KTEST_EXPECT_EQ(t, first.visited, (uint64_t)smp_cpus_online());
    KTEST_EXPECT_EQ(t, first.wrong, 0u);
    ktest_log(t, "the owner visited %llu CPU(s) holding its frame",
              (unsigned long long)first.visited);
    KTEST_ASSERT_TRUE(t, agent_run(&first, job_free)); /* from the last CPU it visited */
    KTEST_EXPECT_EQ(t, first.result, 0);
    KTEST_EXPECT_EQ(t, thread_exclusive_frames(first.context), 0u);
    agent_end(&first);
    agent_end(&second);
}

static void a_frame_handed_over_is_the_other_threads(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, agent_start(&first, "giver"));
    KTEST_ASSERT_TRUE(t, agent_start(&second, "receiver"));
    KTEST_ASSERT_TRUE(t, agent_run(&first, job_take));
    KTEST_ASSERT_NOT_NULL(t, first.page);
    first.to = second.context;
    KTEST_ASSERT_TRUE(t, agent_run(&first, job_hand_over));
    KTEST_EXPECT_EQ(t, first.result, 0);
    KTEST_EXPECT_EQ(t, page_owner(first.page), second.context);
    KTEST_EXPECT_EQ(t, thread_exclusive_frames(first.context), 0u);
    KTEST_EXPECT_EQ(t, thread_exclusive_frames(second.context), 1u);
    KTEST_ASSERT_TRUE(t, agent_run(&first, job_free)); /* not the giver's any more */
    KTEST_EXPECT_EQ(t, first.result, -EPERM);
    second.page = first.page;
    KTEST_ASSERT_TRUE(t, agent_run(&second, job_free));
    KTEST_EXPECT_EQ(t, second.result, 0);
    KTEST_EXPECT_EQ(t, thread_exclusive_frames(second.context), 0u);
    agent_end(&first);
    agent_end(&second);
}

static void a_handler_hands_frames_to_a_thread(struct ktest *t)
{
    KTEST_ASSERT_TRUE(t, agent_start(&first, "consumer"));
    taker.hand_over = true;
    taker.hand_to = first.context;
    /* IRQ 0 at 1000 Hz: with the local APIC timer as the tick, the PIT left alone ticks at
     * 18 Hz, and a loaded host can stretch four of those past a second. */
    KTEST_ASSERT_EQ(t, taker_start(&taker, 1000), 0);
    WRITE_ONCE(taker.budget, 4);
    bool spent = taker_wait(&taker, 3000);
    taker_stop(&taker);
    KTEST_EXPECT_TRUE(t, spent);
    KTEST_EXPECT_EQ(t, taker.hand_over_failures, 0);
    KTEST_ASSERT_NE(t, taker.chain, PFN_NONE);
    struct page *handed = pfn_to_page(taker.chain);
    KTEST_EXPECT_EQ(t, page_owner(handed), first.context);
    KTEST_EXPECT_EQ(t, thread_exclusive_frames(first.context), taker.got);
    KTEST_EXPECT_EQ(t, free_page(handed), -EPERM); /* the test's thread does not own it */
    KTEST_ASSERT_TRUE(t, agent_run(&first, job_free_chain));
    KTEST_EXPECT_EQ(t, first.freed, taker.got);
    KTEST_EXPECT_EQ(t, thread_exclusive_frames(first.context), 0u);
    agent_end(&first);
}

static bool is_poisoned(const struct page *page, unsigned int order)
{
    const uint8_t *bytes = page_address(page);
    for (size_t i = 0; i < (PAGE_SIZE << order); i++) {
        if (bytes[i] != PAGE_POISON_BYTE)
            return false;
    }
    return true;
}

static char captured[512];

static void a_thread_that_ends_holding_frames_gives_them_back(struct ktest *t)
{
    sensor_pause(); /* its frames would move the global figures */
    struct page_alloc_stats stats;
    page_alloc_get_stats(&stats);
    page_alloc_set_poison(false); /* EXCLUSIVE frames are poisoned even so */
    uint64_t before = frames_not_held();
    struct exclusive_errors errors_before, errors_after;
    exclusive_get_errors(&errors_before);
    KTEST_ASSERT_TRUE(t, agent_start(&first, "hoarder"));
    KTEST_ASSERT_TRUE(t, agent_run(&first, job_hoard));
    for (int i = 0; i < HOARD; i++)
        KTEST_ASSERT_NOT_NULL(t, first.hoard[i]);
    KTEST_EXPECT_EQ(t, thread_exclusive_frames(first.context), HOARD_FRAMES);
    uint32_t id = first.thread->id;
    /* Every CPU's pads full and the refills its takes asked for done: else the free path
     * tops the pads up with the frames the exit frees (scrubbed, no longer poisoned). */
    refill_every_reserve(-1);
    thread_sleep_ms(20);

    console_capture(captured, sizeof(captured));
    uint64_t start = clock_uptime_ns();
    agent_end(&first); /* it ends with them */
    uint64_t holding_ns = clock_uptime_ns() - start;
    console_capture(NULL, 0);
    page_alloc_set_poison(stats.poison);
    exclusive_get_errors(&errors_after);
    for (int i = 0; i < HOARD; i++) {
        struct page *page = first.hoard[i];
        KTEST_EXPECT_NE(t, page->state, PAGE_ALLOCATED);
        KTEST_EXPECT_TRUE(t, is_poisoned(page, i == HOARD - 1 ? 1 : 0));
    }
    char line[128];
    ksnprintf(line, sizeof(line),
              "thread 'hoarder' (id %u) ended holding 5 EXCLUSIVE frames: 5 poisoned and freed\n",
              id);
    KTEST_EXPECT_NOT_NULL(t, strstr(captured, line));
    KTEST_EXPECT_EQ(t, errors_after.exits_holding, errors_before.exits_holding + 1);
    KTEST_EXPECT_EQ(t, errors_after.reclaimed_at_exit,
                    errors_before.reclaimed_at_exit + HOARD_FRAMES);
    KTEST_EXPECT_EQ(t, errors_after.left_at_exit, errors_before.left_at_exit);

    /* Gone, it takes no frame: a hand-over to it is refused, the frame stays ours. */
    struct page *mine = alloc_page(GFP_KERNEL | EXCLUSIVE);
    KTEST_ASSERT_NOT_NULL(t, mine);
    KTEST_EXPECT_EQ(t, page_hand_over(mine, first.context), -EINVAL);
    KTEST_EXPECT_EQ(t, free_page(mine), 0);
    KTEST_EXPECT_TRUE(t, frames_back_to(before));
    sensor_resume();

    /* What the walk costs: the same end, holding nothing. */
    KTEST_ASSERT_TRUE(t, agent_start(&first, "empty-handed"));
    start = clock_uptime_ns();
    agent_end(&first);
    ktest_log(t, "ending and joined: %llu us holding %u frames, %llu us holding none",
              (unsigned long long)holding_ns / 1000, HOARD_FRAMES,
              (unsigned long long)(clock_uptime_ns() - start) / 1000);
}

static const struct ktest_case thread_frames_cases[] = {
        KTEST_CASE(a_threads_frame_is_its_own_on_every_cpu),
        KTEST_CASE(a_frame_handed_over_is_the_other_threads),
        KTEST_CASE(a_handler_hands_frames_to_a_thread),
        KTEST_CASE(a_thread_that_ends_holding_frames_gives_them_back),
        {},
};
KTEST_SUITE(thread_frames, thread_frames_cases);
