# services/net/ - the network stack on the first card: the consumer of received frames (ARP
# answers, the telemetry port and its acknowledgements) and the netstat command.
KERNEL_SOURCES += \
	services/net/net.c \
	services/net/netstat.c
