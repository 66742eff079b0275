/* services/shell/commands/lspci.c - the shell's lspci: every PCI function enumeration found, one
 * line each, as the boot log shows them, with the driver bound. */
#include "drivers/pci.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "services/shell/shell.h"

static int lspci_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    char line[160];
    for (size_t i = 0; i < pci_device_count(); i++) {
        pci_format_device(pci_device_get(i), line, sizeof(line));
        printk("%s\n", line);
    }
    printk("%lu PCI functions\n", pci_device_count());
    return 0;
}
SHELL_COMMAND(lspci, "the PCI devices: address, ids, class, interrupt, BARs, driver",
              lspci_command);
