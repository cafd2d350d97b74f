#!/usr/bin/env bash
# Boots one lab VM (QEMU/TCG, the Debian kernel lab/setup.sh prepared) with a topology
# (default q35-2node, below), runs ENTRY from the project inside it and leaves the results
# in the run directory $PARKER_LAB_DIR/share/runs/NAME/: stdout, stderr, exit-code, guest-times (from the guest),
# console.log, qemu.log, host-seconds, qemu-command (from here), and boot-retries with
# console.log.stalled-N when a boot stalled and was started again (lab/qemu-watch.sh).
#
# Usage: lab/run.sh [--run NAME] [--topology NAME] [--timeout SECONDS] [--append KERNEL_ARGS]
#                   ENTRY [ARGS...]
#   ENTRY is a path in the project: *.sh runs with busybox sh, anything else with node.
#   e.g. lab/run.sh bin/parker.js discover -o json --machine host
# Exits with the guest command's exit status, or 125 when no status came back (the VM did
# not finish: see console.log).
#
# The project (this checkout) is shared read-only at /mnt/project, so build dist/ first.
# One VM at a time: TCG keeps both host cores busy.
set -euo pipefail

LAB_DIR=${PARKER_LAB_DIR:-/var/tmp/parker-lab}
PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARE=$LAB_DIR/share
RUN=run-$(date +%Y%m%d-%H%M%S)-$$
TIMEOUT=300
APPEND=
TOPOLOGY=q35-2node

while [ $# -gt 0 ]; do
  case $1 in
    --run) RUN=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --append) APPEND=$2; shift 2 ;;
    --topology) TOPOLOGY=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "lab/run.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: lab/run.sh [--run NAME] [--topology NAME] [--timeout S] [--append ARGS] ENTRY [ARGS...]" >&2; exit 2; }
case $RUN in */* | '' | .*) echo "lab/run.sh: bad run name '$RUN'" >&2; exit 2 ;; esac
command -v qemu-system-x86_64 >/dev/null && [ -f "$SHARE/boot/initrd.img" ] ||
  { echo "lab/run.sh: the lab is not set up in $LAB_DIR: run lab/setup.sh" >&2; exit 2; }

DIR=$SHARE/runs/$RUN

# Topologies: each sets MACHINE_ARGS (CPUs, memory, devices) and KERNEL_ARGS for itself.
#
# q35-2node, the default: q35, 2 sockets x 2 cores x 2 threads, 2 NUMA nodes of 1G, a 1G
# DIMM on node 1 (hot-pluggable memory, onlined Movable), intel-iommu, an NVMe drive behind
# a PCIe expander bridge on node 1, two NICs on the root bus.
# vendor=GenuineIntel: TCG's "max" CPU says AMD without TOPOEXT, and Linux then sees no
# SMT siblings. With a pxb-pcie present, every other device needs an explicit bus=pcie.0.
topology_q35_2node() {
  MACHINE_ARGS=(
    -machine q35 -cpu max,vendor=GenuineIntel
    -smp 8,sockets=2,cores=2,threads=2
    -m 2G,slots=4,maxmem=8G
    -object memory-backend-ram,id=ram0,size=1G
    -object memory-backend-ram,id=ram1,size=1G
    -numa node,nodeid=0,memdev=ram0
    -numa node,nodeid=1,memdev=ram1
    -numa cpu,node-id=0,socket-id=0
    -numa cpu,node-id=1,socket-id=1
    -object memory-backend-ram,id=dimm1mem,size=1G
    -device pc-dimm,id=dimm1,memdev=dimm1mem,node=1
    -device intel-iommu
    -device pxb-pcie,id=pxb1,bus_nr=128,numa_node=1,bus=pcie.0
    -device pcie-root-port,id=rp1,bus=pxb1,chassis=1
    -blockdev null-co,node-name=nvme0,size=268435456,read-zeroes=on
    -device nvme,drive=nvme0,serial=parkerlab0,bus=rp1
    -netdev user,id=net0 -device virtio-net-pci,netdev=net0,bus=pcie.0
    -netdev user,id=net1 -device e1000,netdev=net1,bus=pcie.0
  )
  KERNEL_ARGS="intel_iommu=on memhp_default_state=online_movable"
}

TOPOLOGY_FUNCTION=topology_${TOPOLOGY//-/_}
declare -F "$TOPOLOGY_FUNCTION" > /dev/null || {
  echo "lab/run.sh: unknown topology '$TOPOLOGY'; known: $(declare -F | sed -n 's/.* topology_//p' | tr _ - | tr '\n' ' ')" >&2
  exit 2
}
"$TOPOLOGY_FUNCTION"

# Every topology: the two 9p shares (on the root bus), the lab kernel, the serial console
# into the run directory. nokaslr: with KASLR the kernel image lands on either NUMA node,
# and the nodes' MemTotal moves from boot to boot.
QEMU_ARGS=(
  -accel tcg "${MACHINE_ARGS[@]}"
  -fsdev local,id=labfs,path="$SHARE",security_model=none
  -device virtio-9p-pci,fsdev=labfs,mount_tag=lab,bus=pcie.0
  -fsdev local,id=projectfs,path="$PROJECT",security_model=none,readonly=on
  -device virtio-9p-pci,fsdev=projectfs,mount_tag=project,bus=pcie.0
  -kernel "$SHARE/boot/vmlinuz" -initrd "$SHARE/boot/initrd.img"
  -append "console=ttyS0 panic=-1 nokaslr $KERNEL_ARGS parker.lab.run=$RUN${APPEND:+ $APPEND}"
  -display none -monitor none -serial "file:$DIR/console.log" -no-reboot
)

rm -rf "$DIR"
mkdir -p "$SHARE/runs"
# Keep the 20 most recent runs.
ls -1t "$SHARE/runs" | tail -n +20 | while read -r old; do rm -rf "${SHARE:?}/runs/$old"; done
mkdir -p "$DIR"
printf '%s\n' "$@" > "$DIR/argv"

# The command as a reader would type it: one option a line, values with spaces quoted.
for arg in "${QEMU_ARGS[@]}"; do
  case $arg in -*) printf ' \\\n  %s' "$arg" ;; *' '*) printf " '%s'" "$arg" ;; *) printf ' %s' "$arg" ;; esac
done | sed '1s/^ \\$/qemu-system-x86_64 \\/' > "$DIR/qemu-command"
echo >> "$DIR/qemu-command"

# A boot that stalls before init starts the command is an emulator hang: boot again, at most
# twice (lab/qemu-watch.sh; the stalled consoles stay as console.log.stalled-N).
. "$PROJECT/lab/qemu-watch.sh"
START=$EPOCHREALTIME
for attempt in 1 2 3; do
  status=0
  run_qemu_watched "$DIR/console.log" '^LAB_RUN ' "$TIMEOUT" "${QEMU_ARGS[@]}" > "$DIR/qemu.log" 2>&1 || status=$?
  [ "$status" = 86 ] && [ "$attempt" -lt 3 ] || break
  echo "lab/run.sh: the guest kernel stalled while booting, before init ran the command (an emulator hang, see $DIR/console.log.stalled-$attempt); booting again" >&2
  boot_stalled_note "$DIR" "$attempt" console.log qemu.log
done
awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' > "$DIR/host-seconds"

if [ ! -f "$DIR/exit-code" ]; then
  [ "$status" = 124 ] && echo "lab/run.sh: the VM did not finish within ${TIMEOUT}s" >&2
  [ "$status" = 86 ] && echo "lab/run.sh: the guest kernel stalled while booting, three times" >&2
  echo "lab/run.sh: no result from the guest (qemu exit $status); last console lines of $DIR/console.log:" >&2
  tail -n 20 "$DIR/console.log" >&2 || true
  exit 125
fi
echo "lab/run.sh: $RUN exit $(cat "$DIR/exit-code") after $(cat "$DIR/host-seconds")s; results in $DIR" >&2
exit "$(cat "$DIR/exit-code")"
