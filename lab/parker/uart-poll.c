/*
 * uart-poll: wait for a word on a 16550 serial port by polling its registers from user
 * space (ioperm + inb), for the Parker lab's application kernel.
 *
 * Why: a Parker instance has no legacy PIC/IOAPIC, its Linux IRQ numbers start at 1 and
 * go to MSI-X vectors first, so opening /dev/ttyS1 fails ("genirq: Flags mismatch irq 3.
 * ... (ttyS1) vs. ... (nvme0q2)") and the tty layer cannot read the console. The kernel
 * still writes its console to the port (polled), and this program reads the receive
 * side directly. Nothing else reads the port in the instance, so no byte is lost.
 *
 * Usage: uart-poll [-p IOBASE] [-t SECONDS] WORD
 *   Prints every received line to stdout (prefixed "uart-poll: "), exits 0 when a line
 *   contains WORD, 2 after SECONDS (default: never), 1 on errors.
 * Built statically by initramfs.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/io.h>

#define UART_RBR 0
#define UART_LSR 5
#define UART_LSR_DR 0x01

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long base = 0x2f8;
	double timeout = 0, end;
	char line[256];
	size_t len = 0;
	int opt;

	while ((opt = getopt(argc, argv, "p:t:")) != -1) {
		switch (opt) {
		case 'p': base = strtoul(optarg, NULL, 0); break;
		case 't': timeout = atof(optarg); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	if (ioperm(base, 8, 1)) {
		perror("uart-poll: ioperm");
		return 1;
	}
	end = timeout > 0 ? now() + timeout : 0;
	for (;;) {
		while (inb(base + UART_LSR) & UART_LSR_DR) {
			char c = inb(base + UART_RBR);

			if (c == '\r' || c == '\n') {
				if (!len)
					continue;
				line[len] = 0;
				printf("uart-poll: %s\n", line);
				fflush(stdout);
				if (strstr(line, argv[optind]))
					return 0;
				len = 0;
			} else if (len < sizeof(line) - 1) {
				line[len++] = c;
			}
		}
		if (end && now() >= end)
			return 2;
		usleep(10000);
	}
usage:
	fprintf(stderr, "usage: uart-poll [-p IOBASE] [-t SECONDS] WORD\n");
	return 1;
}
