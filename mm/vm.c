/* mm/vm.c - the policy of the kernel mapping area over the architecture's page tables:
 * which addresses may be mapped, and which frames (an EXCLUSIVE frame once at most); the
 * page-table frames, from the page allocator. */
#include "mm/vm.h"

#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/exclusive.h"
#include "mm/layout.h"
#include "mm/page_alloc.h"

/* vm_lock guards every change to the kernel page tables after boot. Taken with interrupts
 * off: freeing a table or noting a mapping touches allocator state. */
static struct spinlock vm_lock = SPINLOCK_INIT("vm");

static uint64_t table_alloc(void)
{
    struct page *page = alloc_page(GFP_NOWAIT | __GFP_ZERO); /* under vm_lock: no sleeping */
    return page ? page_to_phys(page) : 0;
}

static void table_free(uint64_t phys)
{
    int error = free_page(phys_to_page(phys));
    if (error) /* a page table the allocator does not know: reported there too */
        printk("vm: page table %#lx not freed (%s)\n", phys, errno_name(error));
}

static const struct arch_frame_source page_allocator_frames = {table_alloc, table_free};

void vm_init(void)
{
    arch_paging_set_frame_source(&page_allocator_frames);
}

static bool in_vm_area(uint64_t virt)
{
    return virt >= VM_AREA_BASE && virt - VM_AREA_BASE < VM_AREA_SIZE;
}

/* Notes the mapping of an EXCLUSIVE frame, then maps; undoes the note if mapping failed. */
static int map_locked(uint64_t virt, uint64_t phys, unsigned int flags)
{
    struct page_translation existing;
    if (arch_translate(virt, &existing) == 0)
        return -EEXIST;
    struct page *frame = phys_to_page(phys);
    int error = frame ? exclusive_note_map(frame) : 0; /* one mapping of an EXCLUSIVE frame */
    if (error)
        return error;
    error = arch_map_page(virt, phys, flags);
    if (error && frame)
        exclusive_note_unmap(frame);
    return error == -EBUSY ? -EEXIST : error; /* a large page there: mapped already */
}

int vm_map_page(uint64_t virt, uint64_t phys, unsigned int flags)
{
    if (!in_vm_area(virt) || !IS_ALIGNED(virt | phys, PAGE_SIZE))
        return -EINVAL;
    unsigned long irq_flags;
    spin_lock_irqsave(&vm_lock, &irq_flags);
    int error = map_locked(virt, phys, flags);
    spin_unlock_irqrestore(&vm_lock, irq_flags);
    return error;
}

int vm_unmap_page(uint64_t virt)
{
    if (!in_vm_area(virt) || !IS_ALIGNED(virt, PAGE_SIZE))
        return -EINVAL;
    unsigned long flags;
    spin_lock_irqsave(&vm_lock, &flags);
    uint64_t phys;
    int error = arch_unmap_page(virt, &phys);
    if (!error) {
        struct page *frame = phys_to_page(phys);
        if (frame)
            exclusive_note_unmap(frame);
    }
    spin_unlock_irqrestore(&vm_lock, flags);
    return error;
}

int vm_translate(uint64_t virt, struct page_translation *out)
{
    return arch_translate(virt, out);
}

bool vm_has_huge_pages(void)
{
    return arch_has_huge_pages();
}
