/* drivers/e1000.c - the Intel 82540EM gigabit Ethernet controller (QEMU's -device e1000):
 * bring-up, a receive ring whose every buffer is an EXCLUSIVE frame, the receive interrupt
 * that hands each filled frame to the network stack and refills its descriptor at once with
 * alloc_page(GFP_ATOMIC | EXCLUSIVE), and a small transmit ring for replies.
 *
 * The receive ring's frames belong to the interrupt handler's context from the moment they
 * are put in the ring. When a packet has landed in one, the handler takes a fresh frame for
 * the descriptor and hands the filled one over; when no fresh frame can be had (or the
 * stack's queue is full, or the card flagged the packet bad), it leaves the filled frame in
 * the descriptor to be written again, and counts the packet as dropped. Either way the
 * descriptor goes back to the card in the same interrupt: the ring never runs dry for want
 * of memory, and no frame is ever in the ring and in the queue at once.
 */
#include "arch/arch.h"
#include "drivers/e1000_regs.h"
#include "drivers/pci.h"
#include "lib/errno.h"
#include "kernel/irq.h"
#include "kernel/netdev.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/atomic_reserve.h"
#include "mm/exclusive.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"

#define RX_RING_SIZE    128 /* descriptors, each with a 4 KiB frame: 512 KiB of buffers */
#define TX_RING_SIZE    32
#define TX_BUFFER_SIZE  2048 /* more than the 1514 bytes of the longest frame we send */
#define TX_BUFFER_ORDER 4    /* 32 buffers of 2 KiB: 16 frames */
#define E1000_MAX_CARDS 4
#define POLLS_MAX       100000 /* register polls before a step is declared failed */
#define HANDLER_ROUNDS  8      /* ICR reads per interrupt, at most */

_Static_assert(RX_RING_SIZE * sizeof(struct e1000_rx_desc) +
                               TX_RING_SIZE * sizeof(struct e1000_tx_desc) <=
                       PAGE_SIZE,
               "both rings fit in one frame");
_Static_assert((RX_RING_SIZE * sizeof(struct e1000_rx_desc)) % 128 == 0, "RDLEN: 128s");
_Static_assert((TX_RING_SIZE * sizeof(struct e1000_tx_desc)) % 128 == 0, "TDLEN: 128s");
_Static_assert(TX_RING_SIZE *TX_BUFFER_SIZE == PAGE_SIZE << TX_BUFFER_ORDER, "tx buffers");

struct e1000 {
    const struct pci_device *pci;
    volatile uint8_t *registers; /* BAR 0, mapped uncached */
    int irq;
    struct netdev netdev;
    struct page *rings; /* the receive ring, then the transmit ring */

    /* The receive side: touched only by the interrupt handler (and by probe, before it was
     * registered), so with interrupts off. The counts are read whole by get_counters. */
    struct e1000_rx_desc *rx_ring;
    struct page *rx_frames[RX_RING_SIZE]; /* each descriptor's frame, owned by the handler */
    uint32_t rx_next;                     /* the next descriptor the card will fill */
    bool rx_discarding;                   /* inside a packet that spans descriptors: dropping */
    uint64_t interrupts, rx_packets, rx_refills, handler_cycles, handler_cycles_max;
    uint64_t recycled_no_frame, recycled_queue_full, recycled_error;

    /* The transmit side: tx_lock guards it. */
    struct spinlock tx_lock;
    struct e1000_tx_desc *tx_ring;
    struct page *tx_buffers;
    uint32_t tx_tail;  /* the next descriptor to fill */
    uint32_t tx_clean; /* the oldest descriptor not known to be sent */
    uint64_t tx_packets, tx_ring_full;

    /* The card's statistics, accumulated; stats_lock guards them (ordinary context). */
    struct spinlock stats_lock;
    uint64_t card[8];
};

static struct e1000 cards[E1000_MAX_CARDS];
static int card_count;

static uint32_t reg_read(const struct e1000 *nic, uint32_t reg)
{
    return *(volatile uint32_t *)(nic->registers + reg);
}

/* Device registers are mapped uncached, so each store reaches the card in program order,
 * after every earlier store to RAM (x86 keeps stores in order; only the compiler must be
 * kept from moving them, which volatile and the barrier in callers do). */
static void reg_write(const struct e1000 *nic, uint32_t reg, uint32_t value)
{
    *(volatile uint32_t *)(nic->registers + reg) = value;
}

static bool poll_set(const struct e1000 *nic, uint32_t reg, uint32_t bit, uint32_t *value)
{
    for (int i = 0; i < POLLS_MAX; i++) {
        *value = reg_read(nic, reg);
        if (*value & bit)
            return true;
        arch_cpu_relax();
    }
    return false;
}

/* --- bring-up ------------------------------------------------------------------------------ */

/* Masks every interrupt, resets the MAC, masks again (a reset unmasks), clears causes. */
static int reset(struct e1000 *nic)
{
    reg_write(nic, E1000_IMC, 0xffffffffu);
    reg_write(nic, E1000_CTRL, reg_read(nic, E1000_CTRL) | E1000_CTRL_RST);
    int polls = 0;
    while ((reg_read(nic, E1000_CTRL) & E1000_CTRL_RST) && polls++ < POLLS_MAX)
        arch_cpu_relax();
    if (polls >= POLLS_MAX)
        return -EIO;
    reg_write(nic, E1000_IMC, 0xffffffffu);
    reg_read(nic, E1000_ICR);
    uint32_t ctrl = reg_read(nic, E1000_CTRL) & ~E1000_CTRL_PHY_RST;
    reg_write(nic, E1000_CTRL, ctrl | E1000_CTRL_SLU | E1000_CTRL_ASDE);
    return 0;
}

static bool mac_usable(const uint8_t *mac)
{
    bool zero = !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
    return !zero && !(mac[0] & 1); /* bit 0 of the first byte: a group address */
}

static bool eeprom_word(struct e1000 *nic, uint8_t address, uint16_t *word)
{
    reg_write(nic, E1000_EERD, (uint32_t)address << E1000_EERD_ADDR_SHIFT | E1000_EERD_START);
    uint32_t value;
    if (!poll_set(nic, E1000_EERD, E1000_EERD_DONE, &value))
        return false;
    *word = (uint16_t)(value >> E1000_EERD_DATA_SHIFT);
    return true;
}

/* The station address: what the card loaded into RAL0/RAH0 from its EEPROM at power-up,
 * or, failing that, the EEPROM's first three words themselves. Then written back, valid. */
static int read_mac(struct e1000 *nic, uint8_t *mac)
{
    uint32_t low = reg_read(nic, E1000_RAL0), high = reg_read(nic, E1000_RAH0);
    for (int i = 0; i < 4; i++)
        mac[i] = (uint8_t)(low >> (8 * i));
    mac[4] = (uint8_t)high;
    mac[5] = (uint8_t)(high >> 8);
    if (!(high & E1000_RAH_AV) || !mac_usable(mac)) {
        for (uint8_t word = 0; word < 3; word++) {
            uint16_t value;
            if (!eeprom_word(nic, word, &value))
                return -EIO;
            mac[2 * word] = (uint8_t)value;
            mac[2 * word + 1] = (uint8_t)(value >> 8);
        }
    }
    if (!mac_usable(mac))
        return -EIO;
    reg_write(nic, E1000_RAL0, mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24);
    reg_write(nic, E1000_RAH0, mac[4] | mac[5] << 8 | E1000_RAH_AV);
    return 0;
}

static void start_rx(struct e1000 *nic)
{
    uint64_t ring = page_to_phys(nic->rings);
    reg_write(nic, E1000_RDBAL, (uint32_t)ring);
    reg_write(nic, E1000_RDBAH, (uint32_t)(ring >> 32));
    reg_write(nic, E1000_RDLEN, RX_RING_SIZE * sizeof(struct e1000_rx_desc));
    reg_write(nic, E1000_RDH, 0);
    reg_write(nic, E1000_RDT, RX_RING_SIZE - 1); /* one held back: head == tail means empty */
    nic->rx_next = 0;
    reg_write(nic, E1000_RDTR, 0); /* interrupt for each packet, no delay */
    reg_write(nic, E1000_RADV, 0);
    reg_write(nic, E1000_ITR, 0);
    reg_write(nic, E1000_RXCSUM, 0); /* no checksum offload: the stack checks everything */
    for (int i = 0; i < E1000_MTA_WORDS; i++)
        reg_write(nic, E1000_MTA + 4 * i, 0); /* no multicast */
    /* Broadcast (for ARP) and our own address; buffers of 4 KiB, one per frame; frames over
     * 1522 bytes refused by the card (LPE off), so a packet never spans two buffers. */
    reg_write(nic, E1000_RCTL,
              E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_BSIZE_4096 | E1000_RCTL_BSEX |
                      E1000_RCTL_SECRC);
}

static void start_tx(struct e1000 *nic)
{
    uint64_t ring = page_to_phys(nic->rings) + RX_RING_SIZE * sizeof(struct e1000_rx_desc);
    reg_write(nic, E1000_TDBAL, (uint32_t)ring);
    reg_write(nic, E1000_TDBAH, (uint32_t)(ring >> 32));
    reg_write(nic, E1000_TDLEN, TX_RING_SIZE * sizeof(struct e1000_tx_desc));
    reg_write(nic, E1000_TDH, 0);
    reg_write(nic, E1000_TDT, 0);
    nic->tx_tail = nic->tx_clean = 0;
    reg_write(nic, E1000_TIDV, 0);
    reg_write(nic, E1000_TIPG, E1000_TIPG_COPPER);
    reg_write(nic, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT | E1000_TCTL_COLD);
}

/* --- the receive interrupt ----------------------------------------------------------------- */

/* The packet in descriptor `index` is complete. Either its frame goes to the stack and a
 * fresh one takes its place, or the frame stays (its packet dropped and counted). */
static void take_packet(struct e1000 *nic, uint32_t index, const struct e1000_rx_desc *desc,
                        struct netdev_samples *samples)
{
    uint8_t status = desc->status;
    bool bad = nic->rx_discarding || !(status & E1000_RXD_STAT_EOP) ||
               (desc->errors & E1000_RXD_ERR_FRAME) || desc->length == 0 ||
               desc->length > PAGE_SIZE;
    nic->rx_discarding = !(status & E1000_RXD_STAT_EOP);
    if (bad) {
        nic->recycled_error++;
        return;
    }
    if (!netdev_queue_has_room(&nic->netdev)) {
        nic->recycled_queue_full++;
        return;
    }
    uint64_t start = samples ? arch_cycles() : 0;
    struct page *fresh = alloc_page(GFP_ATOMIC | EXCLUSIVE); /* zero-filled, ours */
    if (samples)
        netdev_sample_take(samples, arch_cycles() - start);
    if (!fresh) {
        nic->recycled_no_frame++;
        return;
    }
    struct page *filled = nic->rx_frames[index];
    nic->rx_frames[index] = fresh;
    nic->rx_ring[index].address = page_to_phys(fresh);
    nic->rx_refills++;
    if (!netdev_queue_frame(&nic->netdev, filled, desc->length) && free_page(filled) != 0)
        nic->recycled_error++; /* room was checked and we own it: cannot happen; never leak */
}

/* Takes every descriptor the card has filled, then gives them all back with one tail write:
 * the last one taken becomes the one held back. */
static void receive(struct e1000 *nic, struct netdev_samples *samples)
{
    uint32_t last = RX_RING_SIZE;
    for (uint32_t budget = RX_RING_SIZE; budget; budget--) {
        struct e1000_rx_desc *desc = &nic->rx_ring[nic->rx_next];
        if (!(READ_ONCE(desc->status) & E1000_RXD_STAT_DD))
            break;
        barrier(); /* the card wrote the rest before DD: read it after */
        nic->rx_packets++;
        take_packet(nic, nic->rx_next, desc, samples);
        desc->status = 0;
        last = nic->rx_next;
        nic->rx_next = (nic->rx_next + 1) % RX_RING_SIZE;
    }
    if (last != RX_RING_SIZE) {
        barrier(); /* descriptor stores before the tail store that hands them to the card */
        reg_write(nic, E1000_RDT, last);
    }
}

/* Reading ICR returns the causes and clears them, which lowers the interrupt line; the line
 * may be shared, so a zero means the interrupt was someone else's. Causes that arrive while
 * we work raise the line again: read until quiet (bounded), so that on an edge-triggered
 * line no cause is left standing with no edge to announce it. */
static void e1000_interrupt(int irq, void *dev_id)
{
    (void)irq;
    struct e1000 *nic = dev_id;
    uint64_t start = arch_cycles(), packets = nic->rx_packets;
    struct netdev_samples *samples = netdev_samples_of(&nic->netdev);
    int rounds = 0;
    while (rounds < HANDLER_ROUNDS && reg_read(nic, E1000_ICR) != 0) {
        rounds++;
        receive(nic, samples);
    }
    if (!rounds)
        return;
    uint64_t cycles = arch_cycles() - start;
    if (samples && nic->rx_packets != packets)
        netdev_sample_handler(samples, cycles, (uint32_t)(nic->rx_packets - packets));
    WRITE_ONCE(nic->interrupts, nic->interrupts + 1);
    WRITE_ONCE(nic->handler_cycles, nic->handler_cycles + cycles);
    WRITE_ONCE(nic->handler_cycles_max, MAX(nic->handler_cycles_max, cycles));
}

/* --- transmit ------------------------------------------------------------------------------ */

static uint8_t *tx_buffer(struct e1000 *nic, uint32_t index)
{
    return (uint8_t *)page_address(nic->tx_buffers) + index * TX_BUFFER_SIZE;
}

/* Moves tx_clean past every descriptor the card reports done. Under tx_lock. */
static void reclaim_tx(struct e1000 *nic)
{
    while (nic->tx_clean != nic->tx_tail &&
           (READ_ONCE(nic->tx_ring[nic->tx_clean].status) & E1000_TXD_STAT_DD))
        nic->tx_clean = (nic->tx_clean + 1) % TX_RING_SIZE;
}

static int e1000_transmit(struct netdev *dev, const uint8_t *frame, size_t length)
{
    struct e1000 *nic = dev->driver;
    if (length == 0 || length > TX_BUFFER_SIZE)
        return -EINVAL;
    unsigned long flags;
    spin_lock_irqsave(&nic->tx_lock, &flags);
    reclaim_tx(nic);
    uint32_t index = nic->tx_tail, next = (index + 1) % TX_RING_SIZE;
    if (next == nic->tx_clean) {
        nic->tx_ring_full++;
        spin_unlock_irqrestore(&nic->tx_lock, flags);
        return -EBUSY;
    }
    memcpy(tx_buffer(nic, index), frame, length);
    nic->tx_ring[index] = (struct e1000_tx_desc){
            .address = page_to_phys(nic->tx_buffers) + index * TX_BUFFER_SIZE,
            .length = (uint16_t)length,
            .command = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS,
    };
    nic->tx_tail = next;
    nic->tx_packets++;
    barrier(); /* the descriptor and the data before the tail that hands them over */
    reg_write(nic, E1000_TDT, next);
    spin_unlock_irqrestore(&nic->tx_lock, flags);
    return 0;
}

/* --- counters and loopback ----------------------------------------------------------------- */

enum card_statistic {
    CARD_RECEIVED,
    CARD_TRANSMITTED,
    CARD_MISSED,
    CARD_NO_BUFFER,
    CARD_UNDERSIZE,
    CARD_OVERSIZE,
    CARD_CRC_ERRORS,
    CARD_RX_ERRORS,
    CARD_STATISTICS
};

static const uint32_t statistic_registers[CARD_STATISTICS] = {
        E1000_GPRC, E1000_GPTC, E1000_MPC,     E1000_RNBC,
        E1000_RUC,  E1000_ROC,  E1000_CRCERRS, E1000_RXERRC,
};

/* Every statistics register clears when read (the manual, 13.7), so the totals are the sums
 * of the reads. (QEMU's model keeps MPC, RNBC, CRCERRS and RXERRC as running totals instead;
 * it raises them only on a receiver overrun, which does not happen when each packet fits one
 * buffer and QEMU holds frames back for a full ring.) Under stats_lock. */
static void update_statistics(struct e1000 *nic)
{
    for (int i = 0; i < CARD_STATISTICS; i++)
        nic->card[i] += reg_read(nic, statistic_registers[i]);
}

/* Descriptors the card may fill now: those from its head up to the tail. */
static uint32_t rx_level(const struct e1000 *nic)
{
    uint32_t head = reg_read(nic, E1000_RDH), tail = reg_read(nic, E1000_RDT);
    return (tail + RX_RING_SIZE - head) % RX_RING_SIZE;
}

static void copy_handler_counts(struct e1000 *nic, struct netdev_counters *c)
{
    unsigned long flags = arch_irq_save(); /* the handler's counts, all from one moment */
    c->interrupts = nic->interrupts;
    c->rx_packets = nic->rx_packets;
    c->rx_refills = nic->rx_refills;
    c->recycled_no_frame = nic->recycled_no_frame;
    c->recycled_queue_full = nic->recycled_queue_full;
    c->recycled_error = nic->recycled_error;
    c->handler_cycles = nic->handler_cycles;
    c->handler_cycles_max = nic->handler_cycles_max;
    arch_irq_restore(flags);
}

/* The handler's account of landing pads: its claim and where its takes were served from. */
static void copy_pad_counts(struct e1000 *nic, struct netdev_counters *c)
{
    struct atomic_reserve_account account;
    if (atomic_reserve_get_account(irq_context_of(nic->irq, nic), &account) != 0)
        return; /* no live registration: nothing taken through it */
    c->pads_claimed = account.claimed;
    c->pads_level = account.level;
    c->pads_own = account.from_claim;
    c->pads_shared = account.from_shared;
    c->pads_pool = account.from_pool;
    c->pads_below_min = account.below_min;
    c->pads_refused = account.failed;
}

static void e1000_get_counters(struct netdev *dev, struct netdev_counters *c)
{
    struct e1000 *nic = dev->driver;
    unsigned long flags;
    *c = (struct netdev_counters){0};
    spin_lock_irqsave(&nic->stats_lock, &flags);
    update_statistics(nic);
    c->card_received = nic->card[CARD_RECEIVED];
    c->card_transmitted = nic->card[CARD_TRANSMITTED];
    c->card_missed = nic->card[CARD_MISSED];
    c->card_no_buffer = nic->card[CARD_NO_BUFFER];
    c->card_undersize = nic->card[CARD_UNDERSIZE];
    c->card_oversize = nic->card[CARD_OVERSIZE];
    c->card_crc_errors = nic->card[CARD_CRC_ERRORS];
    c->card_rx_errors = nic->card[CARD_RX_ERRORS];
    spin_unlock_irqrestore(&nic->stats_lock, flags);
    c->link_up = reg_read(nic, E1000_STATUS) & E1000_STATUS_LU;
    c->rx_ring_size = RX_RING_SIZE;
    c->rx_with_card = rx_level(nic);
    copy_handler_counts(nic, c);
    copy_pad_counts(nic, c);
    spin_lock_irqsave(&nic->tx_lock, &flags);
    reclaim_tx(nic);
    c->tx_ring_size = TX_RING_SIZE;
    c->tx_in_flight = (nic->tx_tail + TX_RING_SIZE - nic->tx_clean) % TX_RING_SIZE;
    c->tx_packets = nic->tx_packets;
    c->tx_ring_full = nic->tx_ring_full;
    spin_unlock_irqrestore(&nic->tx_lock, flags);
}

/* Reads or writes a register of the PHY through MDIC. Returns 0 or -EIO. */
static int phy_access(struct e1000 *nic, uint32_t op, uint32_t reg, uint16_t *value)
{
    uint32_t data = op == E1000_MDIC_OP_WRITE ? *value : 0;
    reg_write(nic, E1000_MDIC,
              op | reg << E1000_MDIC_REG_SHIFT | E1000_PHY_ADDRESS << E1000_MDIC_PHY_SHIFT | data);
    uint32_t mdic;
    if (!poll_set(nic, E1000_MDIC, E1000_MDIC_READY, &mdic) || (mdic & E1000_MDIC_ERROR))
        return -EIO;
    *value = (uint16_t)mdic;
    return 0;
}

/* The PHY's loopback: frames sent come straight back to our receive side. */
static int e1000_set_loopback(struct netdev *dev, bool on)
{
    struct e1000 *nic = dev->driver;
    uint16_t control;
    int error = phy_access(nic, E1000_MDIC_OP_READ, E1000_PHY_CONTROL, &control);
    if (error)
        return error;
    control = on ? control | E1000_PHY_LOOPBACK : control & ~E1000_PHY_LOOPBACK;
    return phy_access(nic, E1000_MDIC_OP_WRITE, E1000_PHY_CONTROL, &control);
}

static const struct netdev_ops e1000_ops = {
        .transmit = e1000_transmit,
        .get_counters = e1000_get_counters,
        .set_loopback = e1000_set_loopback,
};

/* --- probe --------------------------------------------------------------------------------- */

/* Landing pads of the receive handler's own (kernel/irq.h: irq_claim_pads): every packet it
 * takes off the ring costs a fresh frame at once. A quarter of the ring: one interrupt
 * rarely finds more than that filled (QEMU raises at most one per 128 us), and the refill
 * thread tops the claim up between interrupts. */
#define E1000_PADS (RX_RING_SIZE / 4)

/* The claim: E1000_PADS, or half of what is left unclaimed on a small machine (at 5 MiB the
 * whole stock is a few dozen pads, and the keyboard's and the sensor's claims came first). */
static int claim_pads(struct e1000 *nic)
{
    struct atomic_reserve_stats stats;
    atomic_reserve_get_stats(&stats);
    uint64_t unclaimed = stats.target > stats.claimed ? stats.target - stats.claimed : 0;
    uint32_t pads = (uint32_t)MIN((uint64_t)E1000_PADS, unclaimed / 2);
    int error = pads ? irq_claim_pads(nic->irq, nic, pads) : -ENOSPC;
    if (error)
        printk("e1000: no landing pads of its own; the receive refill uses the shared ones\n");
    else if (pads < E1000_PADS)
        printk("e1000: %u landing pads of its own (the stock is small)\n", pads);
    return error;
}

static void free_rings(struct e1000 *nic)
{
    int refused = 0;
    if (nic->rings)
        refused += free_page(nic->rings) != 0;
    if (nic->tx_buffers)
        refused += free_pages(nic->tx_buffers, TX_BUFFER_ORDER) != 0;
    if (refused)
        printk("e1000: %d ring frames refused by the allocator\n", refused);
    nic->rings = nic->tx_buffers = NULL;
}

/* The rings' frame, the transmit buffers, and a receive frame for every descriptor, handed
 * to the interrupt handler's context only once all of them were had. */
static int allocate_rings(struct e1000 *nic)
{
    /* The probe runs with interrupts off: GFP_NOWAIT, which fails at min rather than sleep. */
    nic->rings = alloc_page(GFP_NOWAIT | __GFP_ZERO);
    nic->tx_buffers = alloc_pages(GFP_NOWAIT | __GFP_ZERO, TX_BUFFER_ORDER);
    if (!nic->rings || !nic->tx_buffers) {
        free_rings(nic);
        return -ENOMEM;
    }
    nic->rx_ring = page_address(nic->rings);
    nic->tx_ring = (struct e1000_tx_desc *)(nic->rx_ring + RX_RING_SIZE);
    for (uint32_t i = 0; i < RX_RING_SIZE; i++) {
        nic->rx_frames[i] = alloc_page(GFP_NOWAIT | EXCLUSIVE);
        if (!nic->rx_frames[i]) {
            while (i--) {
                if (free_page(nic->rx_frames[i]) != 0)
                    printk("e1000: a receive frame was refused by the allocator\n");
            }
            free_rings(nic);
            return -ENOMEM;
        }
        nic->rx_ring[i] = (struct e1000_rx_desc){.address = page_to_phys(nic->rx_frames[i])};
    }
    context_t handler = irq_context_of(nic->irq, nic);
    for (uint32_t i = 0; i < RX_RING_SIZE; i++) {
        if (page_hand_over(nic->rx_frames[i], handler) != 0)
            return -EINVAL; /* ours, to a live registration: cannot fail */
    }
    return 0;
}

static void format_mac(char *text, const uint8_t *mac)
{
    ksnprintf(text, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
              mac[5]);
}

static void log_started(const struct e1000 *nic)
{
    char mac[18];
    format_mac(mac, nic->netdev.mac);
    printk("e1000: %02x:%02x.%u %s, irq %d (%s-triggered), link %s; %d receive buffers of "
           "4 KiB (EXCLUSIVE frames), %d transmit\n",
           nic->pci->bus, nic->pci->slot, nic->pci->function, mac, nic->irq,
           irq_is_level_triggered(nic->irq) ? "level" : "edge",
           reg_read(nic, E1000_STATUS) & E1000_STATUS_LU ? "up" : "down", RX_RING_SIZE,
           TX_RING_SIZE);
}

/* Checks what the card decodes and is wired to, maps its registers, resets it. */
static int setup(struct e1000 *nic, struct pci_device *pci)
{
    const struct pci_bar *bar = &pci->bars[0];
    if ((bar->kind != PCI_BAR_MEMORY32 && bar->kind != PCI_BAR_MEMORY64) || bar->size < 0x20000)
        return -EINVAL;
    if (!pci->interrupt_pin || pci->interrupt_line >= IRQ_LINES) {
        printk("e1000: no legacy interrupt line (pin %u, line %u)\n", pci->interrupt_pin,
               pci->interrupt_line);
        return -EINVAL;
    }
    *nic = (struct e1000){.pci = pci, .irq = pci->interrupt_line};
    nic->tx_lock = (struct spinlock)SPINLOCK_INIT("e1000 tx");
    nic->stats_lock = (struct spinlock)SPINLOCK_INIT("e1000 stats");
    pci_enable(pci, PCI_ENABLE_MEMORY | PCI_ENABLE_BUS_MASTER | PCI_ENABLE_INTX);
    nic->registers = vm_map_io(bar->address, bar->size, VM_WRITE | VM_UNCACHED);
    if (!nic->registers)
        return -ENOMEM;
    int error = reset(nic);
    if (error)
        vm_unmap_io((void *)nic->registers, bar->size);
    return error;
}

/* Counters, both rings, the stack's device; then the card may interrupt. */
static void start(struct e1000 *nic)
{
    update_statistics(nic); /* read once: what earlier users of the card counted is cleared */
    memset(nic->card, 0, sizeof(nic->card));
    start_rx(nic);
    start_tx(nic);
    nic->netdev.name = "e1000";
    nic->netdev.irq = nic->irq;
    nic->netdev.ops = &e1000_ops;
    nic->netdev.driver = nic;
    netdev_register(&nic->netdev);
    reg_read(nic, E1000_ICR);
    reg_write(nic, E1000_IMS, E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0 | E1000_ICR_LSC);
}

static int e1000_probe(struct pci_device *pci)
{
    if (card_count == E1000_MAX_CARDS)
        return -ENOSPC;
    struct e1000 *nic = &cards[card_count];
    int error = setup(nic, pci);
    if (error)
        return error;
    error = read_mac(nic, nic->netdev.mac);
    /* The handler first (the card's interrupts are masked until start), then the rings. */
    if (!error)
        error = request_irq(nic->irq, e1000_interrupt, "e1000", nic);
    if (!error)
        claim_pads(nic);
    if (!error && (error = allocate_rings(nic)) != 0)
        free_irq(nic->irq, nic);
    if (error) {
        vm_unmap_io((void *)nic->registers, pci->bars[0].size);
        return error;
    }
    start(nic);
    card_count++;
    log_started(nic);
    return 0;
}

static const struct pci_id e1000_ids[] = {{0x8086, 0x100e}, {0, 0}}; /* 82540EM */
PCI_DRIVER(e1000, e1000_ids, e1000_probe);
