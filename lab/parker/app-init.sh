#!/bin/sh
# /init of the APPLICATION kernel's initramfs (busybox sh, PID 1 of a Parker instance).
# It reports what the instance sees in two lines, then waits for "poweroff" on its console
# port (the ttySN of console= on its command line; in the lab VM the boot kernel writes to
# the other end of that serial cable), or powers off by itself after
# parker.lab.app_timeout=SECONDS (default 300).
#   parker-lab: memory ram=BASE-END[,...] kernel=START-END (from /proc/iomem)
#   parker-lab: userspace ready cpus=N online=LIST MemTotal=K kB nvme=... pci=... uptime=S
# The readiness line is the last thing printed before the wait: a watcher that sees it knows
# the instance is up. Lines go to /dev/kmsg, so they reach the console through printk even
# though this process cannot open the console's tty. Powering off clears `online` in the
# control page (RFC: parker_shutdown), which the boot kernel waits for before rmdir.
/bin/busybox mkdir -p /proc /sys /dev /tmp /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp

say() { echo "parker-lab: $*" > /dev/kmsg; }
arg() { sed -n "s/.*parker\.lab\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
TIMEOUT=$(arg app_timeout); TIMEOUT=${TIMEOUT:-300}
TTY=$(sed -n 's/.*console=\(ttyS[0-9]\).*/\1/p' /proc/cmdline)
case $TTY in
  ttyS0) PORT=0x3f8 ;;
  ttyS2) PORT=0x3e8 ;;
  ttyS3) PORT=0x2e8 ;;
  *) TTY=ttyS1 PORT=0x2f8 ;;
esac

# The NVMe namespace appears asynchronously after the driver probe: wait up to 10 s.
i=0
while [ $i -lt 20 ] && ! ls /sys/block 2>/dev/null | grep -q '^nvme'; do sleep 0.5; i=$((i + 1)); done
nvme=$(ls /sys/class/nvme 2>/dev/null | tr '\n' ',' | sed 's/,$//')
blk=$(ls /sys/block 2>/dev/null | grep '^nvme' | tr '\n' ',' | sed 's/,$//')
pci=$(ls /sys/bus/pci/devices 2>/dev/null | tr '\n' ',' | sed 's/,$//')
mem=$(awk '/^MemTotal/ { print $2 " " $3 }' /proc/meminfo)
ram=$(sed -n 's/^\([0-9a-f]*-[0-9a-f]*\) : System RAM$/\1/p' /proc/iomem | tr '\n' ',' | sed 's/,$//')
kernel=$(sed -n 's/^ *\([0-9a-f]*-[0-9a-f]*\) : Kernel code$/\1/p' /proc/iomem | head -n 1)
say "memory ram=${ram:-none} kernel=${kernel:-none}"
say "userspace ready cpus=$(nproc) online=$(cat /sys/devices/system/cpu/online) MemTotal=$mem nvme=${nvme:-none} block=${blk:-none} pci=${pci:-none} console=$TTY uptime=$(cut -d' ' -f1 /proc/uptime)"

# Console input: the instance cannot open /dev/ttyS1 (its IRQ 3 is taken by an MSI-X
# vector, and there is no IOAPIC to route it anyway), so uart-poll reads the port's
# registers directly. The boot kernel writes "poweroff" down the cable.
uart-poll -p "$PORT" -t "$TIMEOUT" poweroff > /dev/kmsg 2>&1
case $? in
  0) say "poweroff requested on the console" ;;
  2) say "no poweroff request within ${TIMEOUT}s, powering off" ;;
  *) say "uart-poll failed; powering off after ${TIMEOUT}s"; sleep "$TIMEOUT" ;;
esac
sync
poweroff -f
