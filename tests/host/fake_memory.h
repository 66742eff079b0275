/* tests/host/fake_memory.h - a fake machine for host-side tests and fuzzers of mm/: physical
 * memory and the frame database are host mappings, and fake_boot runs the boot sequence of
 * mm/mm.c on a given memory map. Also a reference model of the page allocator (which frame
 * belongs to which block) that checks every call the tests and fuzzers make.
 */
#ifndef TESTS_HOST_FAKE_MEMORY_H
#define TESTS_HOST_FAKE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/context.h"
#include "kernel/multiboot.h"
#include "mm/memmap.h"
#include "mm/page_alloc.h"

/* Maps fake physical memory [0, span) (span rounded up to 4 MiB) read-write, backed by host
 * memory only where touched, and an inaccessible frame database for it; sets the direct map
 * and the frame database bases. Returns false when the host refuses the mappings. */
bool fake_memory_create(uint64_t span);

/* Unmaps both; a later fake_boot maps a new machine. */
void fake_memory_destroy(void);

/* The span of the fake physical memory, 0 when there is none. */
uint64_t fake_memory_span(void);

/* Bytes of the frame database that mm/frame_db.c had backed (arch_paging_back_range) during
 * the last fake_boot. */
uint64_t fake_frame_db_populated_bytes(void);

/* Boots mm/ as mm/mm.c does: sanitises the loader's map, carves out the first 1 MiB, clips
 * usable ranges to pages, starts the boot allocator (4 GiB limit lifted), the page allocator
 * and the atomic reserve (its default size: the command line is emptied first). Then drains
 * the hot cache, so that the buddy lists alone hold the free frames, as boot left them. Runs
 * as the boot thread with interrupts on. Reuses the fake memory when it is large enough, else
 * maps a machine as large as the usable memory; the frame database is made inaccessible again
 * first. Returns the map, or NULL when it has no usable memory or the host cannot map it. */
const struct memmap *fake_boot(const struct boot_memory_range *raw, size_t count, bool poison);

/* TSC cycles the last fake_boot spent in page_alloc_init: backing and clearing the frame
 * database, handing free memory to the buddy lists (as mm_boot_figures in the kernel). */
extern uint64_t fake_boot_build_cycles;

/* The state the last fake_boot left: the map it built. */
const struct memmap *fake_memory_map(void);

/* --- the reference model ---------------------------------------------------------------------- */

struct fake_block {
    struct page *page;
    unsigned int order;
    uint32_t id;     /* written into every frame of the block, and into owner[] */
    context_t owner; /* EXCLUSIVE: the context that allocated it; else CONTEXT_NONE */
};

/* Each check returns false on the first violation and describes it in `error`. */
struct fake_model {
    uint64_t frames;           /* frame numbers the model covers: the fake memory's span */
    uint8_t *managed;          /* managed[pfn]: the allocator owns the frame */
    uint32_t *owner;           /* owner[pfn]: id of the block holding it, 0 when free */
    struct fake_block *blocks; /* allocated blocks, in no order */
    size_t count, capacity;
    uint64_t managed_count, allocated; /* frames */
    uint32_t next_id;
    uint64_t boot_free_blocks[MAX_ORDER + 1]; /* free blocks per order right after boot */
    uint64_t allocation_calls, failure_calls, free_calls;
    uint64_t refused_frees; /* EXCLUSIVE blocks freed by a context that does not own them */
    char error[256];
};

/* Builds the model from the allocator's state right after fake_boot: every frame with a
 * descriptor that is not PAGE_RESERVED is managed, and free or in the atomic reserve. Checks
 * that this agrees with the allocator's figures and descriptors. */
bool fake_model_init(struct fake_model *model);
void fake_model_destroy(struct fake_model *model);

/* For a machine booted again on the same map: forgets every block, keeps what is managed.
 * O(frames) without the checks of fake_model_init (fuzzers call it per input). */
bool fake_model_reset(struct fake_model *model);

/* Calls alloc_pages(gfp, order) and checks the answer: NULL exactly when the watermarks, an
 * empty atomic reserve or the lack of a free block call for it, else a size-aligned block of
 * managed frames that were all unallocated (zero-filled if asked; EXCLUSIVE ones owned by the
 * current context). Writes the block's id into its frames and records it. The interrupt flag
 * must be as it was. *out gets the block (NULL on failure) when out is set. */
bool fake_model_alloc(struct fake_model *model, gfp_t gfp, unsigned int order, struct page **out);

/* Frees allocated block `index` with free_pages, after checking its id is intact in every
 * frame; checks the call succeeded and left the interrupt flag as it was. An EXCLUSIVE block
 * freed by a context other than its owner must be refused instead (-EPERM, counted), and
 * stays allocated. */
bool fake_model_free(struct fake_model *model, size_t index);

/* The allocator's figures against the model: free + reserve + allocated == managed, the free
 * lists add up, the hot cache within its bound, the call counters. */
bool fake_model_check_stats(struct fake_model *model);

/* Every descriptor against the model: heads of allocated blocks PAGE_ALLOCATED with their
 * order and the other frames PAGE_TAIL; unmanaged frames PAGE_RESERVED; as many PAGE_HOT and
 * PAGE_RESERVE frames as the figures say; and the rest of the free frames exactly the maximal
 * buddy blocks they can form (a PAGE_FREE head of the right order, PAGE_TAIL frames), as many
 * per order as the free lists count. O(frames). */
bool fake_model_check_frames(struct fake_model *model);

/* Frees every block (each in its owner's context), runs the deferred work (the atomic
 * reserve's refill) and drains the hot cache as the boot thread, and checks that all memory is
 * free or in the reserve, the reserve is full, and the free lists hold maximal blocks only. */
bool fake_model_free_all(struct fake_model *model);

#endif
