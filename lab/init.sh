#!/bin/sh
# /init of the lab's initramfs (busybox sh, PID 1). It mounts the two 9p shares, runs the
# command of run parker.lab.run=NAME and writes what happened into that run's directory:
#   /mnt/lab/runs/NAME/argv       (from the host) one argument a line; the first is the entry,
#                                 a path in the project: *.sh runs with sh, anything else with node
#   stdout, stderr, exit-code     (from here) the command's output and exit status
#   guest-times                   seconds since the kernel started, at each stage
# then powers off. The host reads only these files.
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
hostname parker-lab

uptime_s() { cut -d' ' -f1 /proc/uptime; }
fail() { echo "LAB_ERROR $*"; sync; poweroff -f; }
T_INIT=$(uptime_s)

for m in @MODULES@; do modprobe "$m" || echo "LAB_WARNING modprobe $m failed"; done
T_MODULES=$(uptime_s)

# cache=loose: without it, every node start re-reads its 99 MB binary through 9p.
OPTS=trans=virtio,version=9p2000.L,msize=262144,cache=loose
mount -t 9p -o "$OPTS" lab /mnt/lab || fail "cannot mount the lab share"
mount -t 9p -o "$OPTS,ro" project /mnt/project || fail "cannot mount the project share"
T_MOUNTED=$(uptime_s)

RUN=$(sed -n 's/.*parker\.lab\.run=\([^ ]*\).*/\1/p' /proc/cmdline)
DIR=/mnt/lab/runs/$RUN
[ -n "$RUN" ] && [ -f "$DIR/argv" ] || fail "no argv for run '$RUN'"
set --
while IFS= read -r arg; do set -- "$@" "$arg"; done < "$DIR/argv"
ENTRY=/mnt/project/$1
shift

echo "LAB_RUN $RUN: $ENTRY $*"
cd "$DIR"
T_START=$(uptime_s)
case $ENTRY in
  *.sh) sh "$ENTRY" "$@" > stdout 2> stderr ;;
  *) /mnt/lab/node/bin/node "$ENTRY" "$@" > stdout 2> stderr ;;
esac
CODE=$?
T_END=$(uptime_s)
printf 'init %s\nmodules %s\nmounted %s\nstart %s\nend %s\n' \
  "$T_INIT" "$T_MODULES" "$T_MOUNTED" "$T_START" "$T_END" > guest-times
echo "$CODE" > exit-code
echo "LAB_DONE exit $CODE after $T_END s"
cd /
sync
umount /mnt/lab
poweroff -f
