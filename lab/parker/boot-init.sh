#!/bin/sh
# /init of the BOOT kernel's initramfs (busybox sh, PID 1). Mounts proc, sysfs, devtmpfs
# and tmpfs, connects the application consoles, prints one readiness line, runs the guest
# script named on the kernel command line, prints its exit status and powers the VM off:
#   parker.lab.script=PATH   a file in the initramfs (default /lab/smoke.sh); *.js/*.mjs/*.cjs
#                            run with node, anything else with sh
#   parker.lab.args=A,B,C    its arguments (commas become spaces)
#   parker.lab.nomount       leave /sys/fs/parker unmounted (default: mounted here)
# The script's stdout and stderr go to ttyS3 (boot.sh: RUN/script-output.log), everything
# else to the console ttyS0 (RUN/boot-console.log). The host reads the result from either:
#   parker-lab: script PATH exit N
#
# Application consoles (see boot.sh): the VM cables the application kernels' serial ports
# ttyS1 (I/O 0x2f8) and ttyS2 (0x3e8) to two PCI serial ports of this kernel (1b36:0002 at
# 00:05.0 and 00:07.0). For each cable this init
#   - sets the boot kernel's end raw and without echo (an echo would type the application
#     kernel's own output back into its console),
#   - links it as /dev/parker-console-ttyS1 (or -ttyS2): write "poweroff" there to stop
#     the application kernel on that port,
#   - appends everything that comes down the cable to /run/parker-lab/console-ttyS1.log (a
#     reader that never stops, so no line waits in a buffer for the next reader).
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /usr/bin /usr/sbin /var/lib /root
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
hostname parker-lab-boot

arg() { sed -n "s/.*parker\.lab\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
SCRIPT=$(arg script); SCRIPT=${SCRIPT:-/lab/smoke.sh}
ARGS=$(arg args | tr ',' ' ')

# The Parker control filesystem, mounted as a configured host would have it (fstab);
# parker.lab.nomount on the command line leaves it unmounted.
if ! grep -q 'parker\.lab\.nomount' /proc/cmdline && [ -d /sys/fs/parker ]; then
  mount -t parker parker /sys/fs/parker || echo "parker-lab: mount -t parker failed"
fi

mkdir -p /run/parker-lab
for tty in /sys/class/tty/ttyS*; do
  dev=$(readlink -f "$tty/device")
  while [ -n "$dev" ] && [ "$dev" != /sys/devices ] && [ ! -f "$dev/vendor" ]; do dev=${dev%/*}; done
  [ -f "$dev/vendor" ] || continue
  [ "$(cat "$dev/vendor"):$(cat "$dev/device")" = 0x1b36:0x0002 ] || continue
  case ${dev##*/} in
    0000:00:05.0) port=ttyS1 ;;
    0000:00:07.0) port=ttyS2 ;;
    *) continue ;;
  esac
  node=/dev/${tty##*/}
  stty -F "$node" 115200 raw -echo -echoe -echok -echoctl -echoke -ixon -ixoff -crtscts clocal
  ln -sf "$node" "/dev/parker-console-$port"
  : > "/run/parker-lab/console-$port.log"
  cat "$node" >> "/run/parker-lab/console-$port.log" &
  echo "parker-lab: application console $port: cable ${dev##*/} = $node, log /run/parker-lab/console-$port.log"
done

# The guest script's output channel (ttyS3, I/O 0x2e8): raw, so lines arrive as written.
OUT=/dev/ttyS3
if stty -F "$OUT" 115200 raw -echo 2>/dev/null; then :; else OUT=/dev/console; fi

echo "parker-lab: boot kernel userspace ready $(uname -r) cpus=$(nproc) uptime=$(cut -d' ' -f1 /proc/uptime)"
cd /root 2>/dev/null || cd /
if [ ! -f "$SCRIPT" ]; then
  echo "parker-lab: no script $SCRIPT in the initramfs"; rc=127
else
  echo "parker-lab: running $SCRIPT $ARGS (output on $OUT)"
  case $SCRIPT in
    *.js | *.mjs | *.cjs) node "$SCRIPT" $ARGS > "$OUT" 2>&1 ;;
    *) sh "$SCRIPT" $ARGS > "$OUT" 2>&1 ;;
  esac
  rc=$?
fi
line="parker-lab: script $SCRIPT exit $rc uptime=$(cut -d' ' -f1 /proc/uptime)"
[ "$OUT" = /dev/console ] || echo "$line" > "$OUT"
echo "$line"
sync
poweroff -f
