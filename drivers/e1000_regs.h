/* drivers/e1000_regs.h - the registers and descriptors of the Intel 8254x gigabit controllers
 * that drivers/e1000.c uses, as the 8254x Family Software Developer's Manual lays them out
 * (section numbers of that manual in brackets). Private to the driver.
 */
#ifndef DRIVERS_E1000_REGS_H
#define DRIVERS_E1000_REGS_H

#include <stdint.h>

/* Register offsets in BAR 0 [13.1]. Every register is 32 bits wide, read and written whole. */
#define E1000_CTRL   0x0000 /* device control */
#define E1000_STATUS 0x0008 /* device status */
#define E1000_EERD   0x0014 /* EEPROM read */
#define E1000_MDIC   0x0020 /* MDI (PHY register) control */
#define E1000_ICR    0x00c0 /* interrupt cause read: reading clears it */
#define E1000_ITR    0x00c4 /* interrupt throttling */
#define E1000_IMS    0x00d0 /* interrupt mask set */
#define E1000_IMC    0x00d8 /* interrupt mask clear */
#define E1000_RCTL   0x0100 /* receive control */
#define E1000_TCTL   0x0400 /* transmit control */
#define E1000_TIPG   0x0410 /* transmit inter-packet gap */
#define E1000_RDBAL  0x2800 /* receive descriptor ring: base, low and high halves */
#define E1000_RDBAH  0x2804
#define E1000_RDLEN  0x2808 /* its length in bytes, a multiple of 128 */
#define E1000_RDH    0x2810 /* head: the next descriptor the card fills */
#define E1000_RDT    0x2818 /* tail: the card fills up to, not including, this one */
#define E1000_RDTR   0x2820 /* receive delay timer */
#define E1000_RADV   0x282c /* receive absolute delay */
#define E1000_TDBAL  0x3800 /* transmit descriptor ring, likewise */
#define E1000_TDBAH  0x3804
#define E1000_TDLEN  0x3808
#define E1000_TDH    0x3810
#define E1000_TDT    0x3818
#define E1000_TIDV   0x3820 /* transmit interrupt delay */
#define E1000_RXCSUM 0x5000 /* receive checksum offload */
#define E1000_MTA    0x5200 /* multicast table array: 128 words */
#define E1000_RAL0   0x5400 /* receive address 0: the station's MAC, low 4 bytes */
#define E1000_RAH0   0x5404 /* ... high 2 bytes, and the address-valid bit */

#define E1000_MTA_WORDS 128

/* Statistics [13.7]: each counts since it was last read (the manual: cleared on read). */
#define E1000_CRCERRS 0x4000 /* CRC errors */
#define E1000_RXERRC  0x400c /* receive errors */
#define E1000_MPC     0x4010 /* missed packets: no room in the receive FIFO */
#define E1000_GPRC    0x4074 /* good packets received */
#define E1000_GPTC    0x4080 /* good packets transmitted */
#define E1000_RNBC    0x40a0 /* receive no buffers: no free descriptor when a packet came */
#define E1000_RUC     0x40a4 /* receive undersize */
#define E1000_ROC     0x40ac /* receive oversize: longer than 1522 bytes with LPE off */

/* CTRL [13.4.1] */
#define E1000_CTRL_ASDE    (1u << 5)  /* auto-detect speed */
#define E1000_CTRL_SLU     (1u << 6)  /* set link up */
#define E1000_CTRL_RST     (1u << 26) /* device reset, self-clearing */
#define E1000_CTRL_PHY_RST (1u << 31)

/* STATUS [13.4.2] */
#define E1000_STATUS_LU (1u << 1) /* link up */

/* EERD [13.4.4], as on the 82540EM: start bit 0, done bit 4, word address in 15:8, data in
 * 31:16. */
#define E1000_EERD_START      (1u << 0)
#define E1000_EERD_DONE       (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16

/* MDIC [13.4.7]: data 15:0, PHY register 20:16, PHY address 25:21, op 27:26, ready 28,
 * error 30. The internal PHY answers at address 1. */
#define E1000_MDIC_REG_SHIFT 16
#define E1000_MDIC_PHY_SHIFT 21
#define E1000_MDIC_OP_WRITE  (1u << 26)
#define E1000_MDIC_OP_READ   (2u << 26)
#define E1000_MDIC_READY     (1u << 28)
#define E1000_MDIC_ERROR     (1u << 30)
#define E1000_PHY_ADDRESS    1
#define E1000_PHY_CONTROL    0          /* the PHY's control register (MII register 0) */
#define E1000_PHY_LOOPBACK   (1u << 14) /* its loopback bit */

/* Interrupt causes: ICR, IMS, IMC share the bits [13.4.17] */
#define E1000_ICR_TXDW   (1u << 0) /* a transmit descriptor was written back */
#define E1000_ICR_LSC    (1u << 2) /* link status change */
#define E1000_ICR_RXDMT0 (1u << 4) /* receive descriptors below the minimum threshold */
#define E1000_ICR_RXO    (1u << 6) /* receiver overrun */
#define E1000_ICR_RXT0   (1u << 7) /* receiver timer: packets were received */

/* RCTL [13.4.22] */
#define E1000_RCTL_EN         (1u << 1)  /* receiver enable */
#define E1000_RCTL_SBP        (1u << 2)  /* store bad packets */
#define E1000_RCTL_UPE        (1u << 3)  /* unicast promiscuous */
#define E1000_RCTL_MPE        (1u << 4)  /* multicast promiscuous */
#define E1000_RCTL_LPE        (1u << 5)  /* long packets (over 1522 bytes) */
#define E1000_RCTL_BAM        (1u << 15) /* accept broadcast */
#define E1000_RCTL_BSIZE_4096 (3u << 16) /* with BSEX: 4096-byte buffers */
#define E1000_RCTL_BSEX       (1u << 25) /* buffer size extension: BSIZE times 16 */
#define E1000_RCTL_SECRC      (1u << 26) /* strip the Ethernet CRC */

/* TCTL [13.4.33] */
#define E1000_TCTL_EN         (1u << 1)
#define E1000_TCTL_PSP        (1u << 3) /* pad short packets to 64 bytes */
#define E1000_TCTL_CT_SHIFT   4         /* collision threshold (half duplex) */
#define E1000_TCTL_COLD_SHIFT 12        /* collision distance */
#define E1000_TCTL_CT         (0x0fu << E1000_TCTL_CT_SHIFT)
#define E1000_TCTL_COLD       (0x40u << E1000_TCTL_COLD_SHIFT) /* 64 bytes: full duplex */
#define E1000_TIPG_COPPER     (10u | 8u << 10 | 6u << 20)      /* IPGT 10, IPGR1 8, IPGR2 6 */

#define E1000_RAH_AV (1u << 31) /* the address is valid: match it */

/* Legacy receive descriptor [3.2.3]: the card writes length, status and errors. */
struct e1000_rx_desc {
    uint64_t address; /* the buffer */
    uint16_t length;  /* bytes the card wrote into it */
    uint16_t checksum;
    uint8_t status;
    uint8_t errors;
    uint16_t special;
};

#define E1000_RXD_STAT_DD   (1u << 0) /* descriptor done */
#define E1000_RXD_STAT_EOP  (1u << 1) /* end of packet: the last buffer of a packet */
/* Errors that mean the packet itself is bad: CRC, symbol, sequence, carrier extension, RX
 * data error. (The checksum-offload errors IPE/TCPE do not occur: offload is off.) */
#define E1000_RXD_ERR_FRAME 0x97u

/* Legacy transmit descriptor [3.3.3]. */
struct e1000_tx_desc {
    uint64_t address;
    uint16_t length;
    uint8_t checksum_offset;
    uint8_t command;
    uint8_t status;
    uint8_t checksum_start;
    uint16_t special;
};

#define E1000_TXD_CMD_EOP  (1u << 0) /* end of packet */
#define E1000_TXD_CMD_IFCS (1u << 1) /* insert the FCS (the CRC) */
#define E1000_TXD_CMD_RS   (1u << 3) /* report status: set DD when done */
#define E1000_TXD_STAT_DD  (1u << 0)

_Static_assert(sizeof(struct e1000_rx_desc) == 16, "receive descriptors are 16 bytes");
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "transmit descriptors are 16 bytes");

#endif
