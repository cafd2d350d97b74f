#!/bin/sh
# smoke.sh: one Parker partition lifecycle by hand, in the BOOT kernel of the lab VM
# (busybox sh; boot.sh runs it by default). Every step prints what it did and the result:
#   mount -t parker -> mkdir -> cpus -> memory -> bind the NVMe -> kexec -l into the
#   partition -> online -> the application kernel's readiness line on its console ->
#   "poweroff" down the serial cable -> online drops to 0 -> rmdir -> CPUs and NVMe back.
# Ends with "parker-lab: SMOKE PASS" (exit 0) or "parker-lab: SMOKE FAIL at STEP" (exit 1).
#
# Usage: smoke.sh [CYCLES [CPUS [MEMORY]]]
#   CYCLES  lifecycles in a row (default 1); a partition is single-use, so each cycle
#           is a fresh mkdir/load/online/rmdir
#   CPUS    cpulist for the partition (default: the last CPU of NUMA node 1; see below)
#   MEMORY  size for the memory file (default 1G)
# The application kernel's console is ttyS1; in the lab VM ttyS1 is cabled (QEMU socket)
# to a PCI serial port (1b36:0002) of the boot kernel, which this script reads and writes.
set -u
CYCLES=${1:-1}
# One CPU by default: with two or more, the application kernel's NVMe takes MSI-X vectors with
# Linux IRQ numbers 1-3, and IRQ 3 is also its console port's (ttyS1), which the kernel opens
# for /init's stdin at about the same time: whichever comes second fails (seen: the NVMe probe,
# "genirq: Flags mismatch irq 3", -EBUSY). With one CPU the NVMe needs IRQs 1 and 2 only.
CPUS=${2:-$(cat /sys/devices/system/node/node1/cpulist 2>/dev/null | sed 's/.*[-,]//')}
MEM=${3:-1G}
P=/sys/fs/parker
IMAGE=/boot/bzImage
INITRD=/boot/app-initrd.img
APP_TIMEOUT=90           # the application kernel powers itself off after this
READY_TIMEOUT=120        # seconds to wait for its readiness line
OFFLINE_TIMEOUT=60       # seconds to wait for online to drop after "poweroff"

t() { cut -d' ' -f1 /proc/uptime; }
el() { awk -v a="$1" -v b="$(t)" 'BEGIN { printf "%.2f", b - a }'; }
STEP=start
step() { STEP=$1; shift; echo "SMOKE[$(t)] == $STEP: $*"; }
ok() { echo "SMOKE[$(t)]    ok: $*"; }
note() { echo "SMOKE[$(t)]    $*"; }
fail() {
  echo "SMOKE[$(t)]    FAIL: $*"
  echo "parker-lab: SMOKE FAIL at $STEP"
  [ -f "$CONSOLE_LOG" ] && { echo "---- application console (last 40 lines) ----"; tail -n 40 "$CONSOLE_LOG"; echo "----"; }
  exit 1
}
hex() { printf '0x%x' "$1"; }
wait_for() {  # wait_for SECONDS COMMAND...: poll every 0.5 s
  w_end=$(awk -v a="$(t)" -v s="$1" 'BEGIN { print a + s }'); shift
  while ! "$@"; do
    awk -v a="$(t)" -v e="$w_end" 'BEGIN { exit !(a >= e) }' && return 1
    sleep 0.5
  done
}
count_cpus() {  # count_cpus LIST: number of CPUs in a cpulist like 2-3,6
  echo "$1" | tr ',' '\n' | awk -F- 'NF == 2 { n += $2 - $1 + 1; next } NF == 1 && $1 != "" { n++ } END { print n + 0 }'
}
cpu_in() {  # cpu_in CPU LIST
  echo "$2" | tr ',' '\n' | awk -F- -v c="$1" '(NF == 2 && c >= $1 && c <= $2) || (NF == 1 && c == $1) { f = 1 } END { exit !f }'
}
expand() {  # expand LIST: one CPU a line
  echo "$1" | tr ',' '\n' | awk -F- 'NF == 2 { for (i = $1; i <= $2; i++) print i; next } NF == 1 && $1 != "" { print $1 }'
}

step info "boot kernel"
note "kernel $(uname -r); cmdline: $(cat /proc/cmdline)"
note "cpus online=$(cat /sys/devices/system/cpu/online); $(for n in /sys/devices/system/node/node[0-9]*; do printf '%s: cpus %s, %s; ' "${n##*/}" "$(cat "$n/cpulist")" "$(awk '/MemTotal/ { print $4 " " $5 }' "$n/meminfo")"; done)"
note "CMA areas: $(ls /sys/kernel/mm/cma 2>/dev/null | tr '\n' ' ')"
dmesg | grep -i 'parker' | sed 's/^/SMOKE    dmesg: /'
[ -n "$CPUS" ] || fail "no CPUS given and NUMA node 1 has none"

step mount "parker control filesystem at $P"
if grep -q " $P parker " /proc/mounts; then ok "already mounted"
else mount -t parker parker "$P" || fail "mount -t parker parker $P"; ok "mounted: $(grep " $P " /proc/mounts)"; fi

# The first NVMe drive (class 0x010802).
NVME=
for d in /sys/bus/pci/devices/*; do [ "$(cat "$d/class")" = 0x010802 ] && NVME=${d##*/} && break; done

# The application console: ttyS1 of the VM, cabled to a PCI serial port of this kernel;
# boot-init.sh appends what comes down the cable to $CONSOLE_LOG (see boot.sh).
PEER=/dev/parker-console-ttyS1
CONSOLE_LOG=/run/parker-lab/console-ttyS1.log
step console "application console cable"
if [ -e "$PEER" ] && [ -f "$CONSOLE_LOG" ]; then
  ok "ttyS1 of the application kernel: $PEER -> $(readlink "$PEER"), log $CONSOLE_LOG"
else
  note "no console cable ($PEER): cannot see the application console; only online/offline is checked"
  PEER=
fi

# TSC frequency the boot kernel measured; the application kernel has no HPET/PM timer.
TSC_KHZ=$(dmesg | sed -n 's/.*tsc: Detected \([0-9]*\)\.\([0-9]*\) MHz processor.*/\1\2/p' | head -n 1)
[ -n "$TSC_KHZ" ] || fail "no 'tsc: Detected ... MHz' line in dmesg"

cycle=1
while [ "$cycle" -le "$CYCLES" ]; do
  NAME=smoke$cycle
  D=$P/$NAME
  T_CYCLE=$(t)
  echo "SMOKE[$(t)] ######## lifecycle $cycle of $CYCLES: partition $NAME"

  step mkdir "$D"
  mkdir "$D" || fail "mkdir $D"
  ok "files: $(ls "$D" | tr '\n' ' ')"
  ok "id=$(cat "$D/id") control_structure=$(cat "$D/control_structure")"
  CS=$(cat "$D/control_structure")

  step cpus "echo $CPUS > cpus"
  before=$(cat /sys/devices/system/cpu/online)
  a=$(t); echo "$CPUS" > "$D/cpus" || fail "write cpus"
  online_now=$(cat /sys/devices/system/cpu/online)
  ok "cpus=$(cat "$D/cpus") (took $(el "$a")s); boot kernel cpus online: $before -> $online_now"
  for c in $(expand "$CPUS"); do cpu_in "$c" "$online_now" && fail "cpu$c is still online in the boot kernel"; done

  step memory "echo $MEM > memory"
  a=$(t); echo "$MEM" > "$D/memory" || fail "write memory $MEM (ENOMEM: no free GiB in the CMA area of the first CPU's node)"
  MEMORY=$(cat "$D/memory") || fail "read memory"
  SIZE=${MEMORY%@*}
  BASE=${MEMORY#*@}
  END=$(hex $((BASE + SIZE - 1)))
  ok "memory=$MEMORY (took $(el "$a")s): [$BASE, $END], $((SIZE >> 20)) MiB"

  step bind "NVMe ${NVME:-(none in this VM)}"
  BOUND=
  if [ -n "$NVME" ]; then
    N=/sys/bus/pci/devices/$NVME
    drv=$(readlink "$N/driver" 2>/dev/null); drv=${drv##*/}
    en=$(cat "$N/enable")
    note "$NVME driver=${drv:-none} enable=$en block: $(ls /sys/block | grep nvme | tr '\n' ' ')"
    if [ -n "$drv" ] && [ "$en" = 1 ]; then
      a=$(t); echo "$NVME" > "$D/bind" || fail "bind $NVME"
      [ -d "$D/devices/$NVME" ] || fail "devices/$NVME did not appear"
      BOUND=$NVME
      ok "bound (took $(el "$a")s): devices/ has $(ls "$D/devices" | tr '\n' ' '); enable=$(cat "$N/enable"); block: $(ls /sys/block | grep nvme | tr '\n' ' ')"
    else
      note "not bound: only a device bound to its driver and enabled may be bound (else EBUSY or an oops)"
    fi
  fi

  APPEND="console=ttyS1,115200 8250.nr_uarts=2 nokaslr parker=$CS memmap=exactmap memmap=$SIZE@$BASE tsc_early_khz=$TSC_KHZ panic=-1 parker.lab.app_timeout=$APP_TIMEOUT"
  step kexec "kexec -l --mem-min=$BASE --mem-max=$END"
  note "command line: $APPEND"
  a=$(t)
  kexec -d -l "$IMAGE" --initrd="$INITRD" --mem-min="$BASE" --mem-max="$END" --append="$APPEND" > /tmp/kexec.log 2>&1 ||
    { tail -n 20 /tmp/kexec.log; fail "kexec -l"; }
  [ "$(cat /sys/kernel/kexec_loaded)" = 1 ] || fail "kexec_loaded is not 1"
  segs=0
  sed -n 's/^segment\[\([0-9]*\)\]\.mem *= *\(0x[0-9a-f]*\).*/\1 \2/p' /tmp/kexec.log > /tmp/kexec.mem
  sed -n 's/^segment\[\([0-9]*\)\]\.memsz *= *\(0x[0-9a-f]*\).*/\1 \2/p' /tmp/kexec.log > /tmp/kexec.memsz
  while read -r i mem; do
    sz=$(awk -v i="$i" '$1 == i { print $2 }' /tmp/kexec.memsz)
    [ $((mem)) -ge $((BASE)) ] && [ $((mem + sz - 1)) -le $((END)) ] ||
      fail "segment $i at $mem (+$sz) lies outside the partition [$BASE, $END]"
    segs=$((segs + 1))
  done < /tmp/kexec.mem
  [ "$segs" -gt 0 ] || fail "kexec -d printed no segments"
  ok "loaded in $(el "$a")s; $segs segments, all inside the partition: $(awk '{ printf "%s ", $2 }' /tmp/kexec.mem)"

  step online "echo 1 > online (starts the application kernel; blocks until it sets online=1)"
  log_at=$( [ -f "$CONSOLE_LOG" ] && wc -c < "$CONSOLE_LOG" || echo 0)
  T_ONLINE=$(t)
  echo 1 > "$D/online" || fail "write online"
  ok "write returned after $(el "$T_ONLINE")s; online=$(cat "$D/online")"
  [ "$(cat "$D/online")" = 1 ] || fail "online reads $(cat "$D/online")"

  if [ -n "$PEER" ]; then
    step ready "wait for 'parker-lab: userspace ready' on the application console"
    ready() { tail -c +$((log_at + 1)) "$CONSOLE_LOG" | grep -q 'parker-lab: userspace ready'; }
    wait_for "$READY_TIMEOUT" ready || fail "no readiness line within ${READY_TIMEOUT}s"
    line=$(tail -c +$((log_at + 1)) "$CONSOLE_LOG" | grep -a 'parker-lab: userspace ready' | tr -d '\r' | head -n 1)
    ok "after $(el "$T_ONLINE")s from online: ${line#*parker-lab: }"
    n=$(echo "$line" | sed -n 's/.*cpus=\([0-9]*\).*/\1/p')
    [ "$n" = "$(count_cpus "$CPUS")" ] || fail "the application kernel sees $n CPUs, the partition has $(count_cpus "$CPUS")"
    [ -z "$BOUND" ] || echo "$line" | grep -q 'nvme=nvme' || fail "the application kernel sees no NVMe"
    ok "CPU count matches$([ -n "$BOUND" ] && echo ', NVMe present')"
    mline=$(tail -c +$((log_at + 1)) "$CONSOLE_LOG" | grep -a 'parker-lab: memory ram=' | tr -d '\r' | head -n 1)
    kcode=$(echo "$mline" | sed -n 's/.* kernel=\([0-9a-f]*\)-\([0-9a-f]*\).*/\1 \2/p')
    [ -n "$kcode" ] || fail "no 'parker-lab: memory' line with the kernel's range: ${mline:-none}"
    set -- $kcode
    [ $((0x$1)) -ge $((BASE)) ] && [ $((0x$2)) -le $((END)) ] || fail "the application kernel's code $1-$2 lies outside the partition [$BASE, $END]"
    ok "its kernel code $1-$2 and RAM (${mline#*ram=}) lie inside the partition"

    step poweroff "echo poweroff > $PEER"
    sleep 1   # let its /init reach the read loop
    printf '\npoweroff\n' > "$PEER" || fail "write $PEER"
  else
    step poweroff "no console cable: the application kernel powers off after ${APP_TIMEOUT}s"
  fi
  T_OFF=$(t)
  offline() { [ "$(cat "$D/online")" = 0 ]; }
  limit=$OFFLINE_TIMEOUT; [ -n "$PEER" ] || limit=$((OFFLINE_TIMEOUT + APP_TIMEOUT))
  wait_for "$limit" offline || fail "online still $(cat "$D/online") after ${limit}s"
  ok "online=0 after $(el "$T_OFF")s"

  step rmdir "$D"
  a=$(t)
  rmdir "$D" || fail "rmdir $D"
  [ ! -e "$D" ] || fail "$D still exists"
  ok "removed in $(el "$a")s; cpus online: $(cat /sys/devices/system/cpu/online)"
  for c in $(expand "$CPUS"); do cpu_in "$c" "$(cat /sys/devices/system/cpu/online)" || fail "cpu$c did not come back"; done
  if [ -n "$BOUND" ]; then
    back() { ls -d "/sys/bus/pci/devices/$BOUND"/nvme/nvme*/nvme*n* > /dev/null 2>&1; }
    wait_for 20 back || fail "$BOUND has no block device again after 20s"
    drv=$(readlink "/sys/bus/pci/devices/$BOUND/driver"); ok "$BOUND back: driver=${drv##*/} enable=$(cat "/sys/bus/pci/devices/$BOUND/enable") block: $(ls /sys/block | grep nvme | tr '\n' ' ')"
  fi
  echo "SMOKE[$(t)] ######## lifecycle $cycle passed in $(el "$T_CYCLE")s (mkdir to rmdir)"
  cycle=$((cycle + 1))
done

echo "parker-lab: SMOKE PASS ($CYCLES lifecycle(s))"
exit 0
