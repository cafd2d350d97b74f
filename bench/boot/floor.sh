#!/bin/sh
# The floor of bench/boot (busybox sh, in the Parker lab's boot kernel): what `parker start
# NAME` must do for a stopped partition, by hand and nothing else: remove the used partition
# (a partition is single-use), make it again, give it its CPUs, memory and device, kexec -l
# the image into its memory, write online, then wait for the readiness line on its console.
# Prints "floor-ready SECONDS" (uptime-based, from the start of this script) and exits 0.
#
# Usage: floor.sh NAME CPUS MEMORY DEVICE CONSOLE_LOG CMDLINE
#   CMDLINE: the application kernel's line without parker= and memmap= (added here)
set -eu
NAME=$1 CPUS=$2 MEM=$3 DEV=$4 LOG=$5 CMDLINE=$6
D=/sys/fs/parker/$NAME
T0=$(cut -d' ' -f1 /proc/uptime)
[ -d "$D" ] && rmdir "$D"
mkdir "$D"
echo "$CPUS" > "$D/cpus"
echo "$MEM" > "$D/memory"
echo "$DEV" > "$D/bind"
M=$(cat "$D/memory")
SIZE=${M%@*} BASE=${M#*@}
END=$(printf '0x%x' $((BASE + SIZE - 1)))
AT=$(wc -c < "$LOG")
kexec -l /boot/bzImage --initrd=/boot/app-initrd.img --mem-min="$BASE" --mem-max="$END" \
  --append="$CMDLINE parker=$(cat "$D/control_structure") memmap=exactmap memmap=$((SIZE >> 30))G@$BASE"
echo 1 > "$D/online"
until tail -c +$((AT + 1)) "$LOG" | grep -q 'parker-lab: userspace ready'; do usleep 20000; done
T1=$(cut -d' ' -f1 /proc/uptime)
echo "floor-ready $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.2f", b - a }')"
