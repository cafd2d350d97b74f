#!/bin/sh
# /init of the BOOT kernel's initramfs (busybox sh, PID 1). Mounts proc, sysfs, devtmpfs
# and tmpfs, prints one readiness line, runs the guest script named on the kernel command
# line, prints its exit status, and powers the VM off:
#   parker.lab.script=PATH   a file in the initramfs (default /lab/smoke.sh);
#                            *.js runs with node, anything else with sh
#   parker.lab.args=A,B,C    its arguments (commas become spaces)
# The host (boot.sh) reads the result from the serial log:
#   parker-lab: script PATH exit N
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /usr/bin /usr/sbin
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

echo "parker-lab: boot kernel userspace ready $(uname -r) cpus=$(nproc) uptime=$(cut -d' ' -f1 /proc/uptime)"
cd /root 2>/dev/null || cd /
if [ ! -f "$SCRIPT" ]; then
  echo "parker-lab: no script $SCRIPT in the initramfs"; rc=127
else
  echo "parker-lab: running $SCRIPT $ARGS"
  case $SCRIPT in
    *.js | *.mjs | *.cjs) node "$SCRIPT" $ARGS ;;
    *) sh "$SCRIPT" $ARGS ;;
  esac
  rc=$?
fi
echo "parker-lab: script $SCRIPT exit $rc uptime=$(cut -d' ' -f1 /proc/uptime)"
sync
poweroff -f
