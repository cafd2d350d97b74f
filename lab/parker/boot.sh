#!/usr/bin/env bash
# Boots the Parker kernel as the BOOT kernel of a QEMU/TCG VM, runs one guest script in it
# (default /lab/smoke.sh) and exits when the VM powers off, or after --timeout seconds.
#
# VM: q35, -cpu max, 4 vCPUs on 2 sockets (cpus 0-1 on node 0, 2-3 on node 1), two 2 GiB
# NUMA nodes, an NVMe drive on pcie.0 at 00:04.0, no IOMMU, no NIC.
# Serial ports:
#   ttyS0  the boot kernel's console           -> RUN/boot-console.log
#   ttyS1  the application kernel's console    -> RUN/app-console.log (QEMU logfile), and
#          cabled through a QEMU socket to a PCI serial port (1b36:0002, 00:05.0) of the
#          boot kernel, which reads the application console and sends it "poweroff"
# Boot command line: console=ttyS0,115200 parker_cma=0:1G,1:1G nokaslr panic=-1 + script.
#
# Usage: lab/parker/boot.sh [--script PATH] [--args A,B,C] [--timeout S] [--run NAME]
#                           [--append ARGS] [--node] [--parker DIR] [--add-script FILE]...
#   --script      script in the boot initramfs to run (default /lab/smoke.sh; *.js: node)
#   --args        its arguments, comma-separated (smoke.sh: CYCLES,CPUS,MEMORY)
#   --timeout     kill the VM after S seconds (default 300)
#   --run         name of the run directory $PARKER_LAB_DIR/parker-runs/NAME
#   --append      more boot kernel arguments
#   --node, --parker DIR, --add-script FILE   passed to initramfs.sh (--script there)
# Env: PARKER_KERNEL (a bzImage; default: build-kernel.sh, cached), PARKER_LAB_DIR.
# Exits with the guest script's exit status; 125 when none came back (see the logs).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${PARKER_LAB_DIR:-/var/tmp/parker-lab}
SCRIPT=/lab/smoke.sh ARGS= TIMEOUT=300 APPEND= RUN=run-$(date +%Y%m%d-%H%M%S)-$$
IRD_ARGS=()
while [ $# -gt 0 ]; do
  case $1 in
    --script) SCRIPT=$2; shift 2 ;;
    --args) ARGS=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --run) RUN=$2; shift 2 ;;
    --append) APPEND=$2; shift 2 ;;
    --node) IRD_ARGS+=(--node); shift ;;
    --parker) IRD_ARGS+=(--parker "$2"); shift 2 ;;
    --add-script) IRD_ARGS+=(--script "$2"); shift 2 ;;
    *) sed -n '/^# Usage/,/^# Exits/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
case $RUN in */* | '' | .*) echo "boot.sh: bad run name '$RUN'" >&2; exit 2 ;; esac
case $ARGS in *' '*) echo "boot.sh: --args are comma-separated, without spaces" >&2; exit 2 ;; esac
say() { echo "[parker boot] $*" >&2; }
command -v qemu-system-x86_64 >/dev/null || { say "qemu-system-x86_64 missing: run lab/parker/build-kernel.sh (installs it)"; exit 2; }

KERNEL=${PARKER_KERNEL:-$("$HERE/build-kernel.sh" | tail -n 1)}
INITRD=$("$HERE/initramfs.sh" --kernel "$KERNEL" ${IRD_ARGS[@]+"${IRD_ARGS[@]}"} | tail -n 1)

DIR=$LAB_DIR/parker-runs/$RUN
mkdir -p "$LAB_DIR/parker-runs"
ls -1t "$LAB_DIR/parker-runs" | tail -n +20 | while read -r old; do rm -rf "${LAB_DIR:?}/parker-runs/$old"; done
rm -rf "$DIR"
mkdir -p "$DIR"

KARGS="console=ttyS0,115200 parker_cma=0:1G,1:1G nokaslr panic=-1 parker.lab.script=$SCRIPT"
[ -n "$ARGS" ] && KARGS="$KARGS parker.lab.args=$ARGS"
[ -n "$APPEND" ] && KARGS="$KARGS $APPEND"
QEMU_ARGS=(
  -machine q35 -accel tcg -cpu max
  -smp 4,sockets=2,cores=2,threads=1
  -m 4G
  -object memory-backend-ram,id=ram0,size=2G
  -object memory-backend-ram,id=ram1,size=2G
  -numa node,nodeid=0,memdev=ram0
  -numa node,nodeid=1,memdev=ram1
  -numa cpu,node-id=0,socket-id=0
  -numa cpu,node-id=1,socket-id=1
  -blockdev null-co,node-name=nvme0,size=268435456,read-zeroes=on
  -device nvme,drive=nvme0,serial=parkerlab0,bus=pcie.0,addr=04.0
  -chardev "socket,id=appcon,path=$DIR/app-console.sock,server=on,wait=off,logfile=$DIR/app-console.log"
  -serial "file:$DIR/boot-console.log"
  -serial chardev:appcon
  -chardev "socket,id=appcable,path=$DIR/app-console.sock"
  -device pci-serial,chardev=appcable,bus=pcie.0,addr=05.0
  -kernel "$KERNEL" -initrd "$INITRD" -append "$KARGS"
  -display none -vga none -monitor none -nic none -no-reboot
)
for arg in "${QEMU_ARGS[@]}"; do
  case $arg in -*) printf ' \\\n  %s' "$arg" ;; *' '*) printf " '%s'" "$arg" ;; *) printf ' %s' "$arg" ;; esac
done | sed '1s/^ \\$/qemu-system-x86_64 \\/' > "$DIR/qemu-command"
echo >> "$DIR/qemu-command"

say "run $RUN: $SCRIPT ${ARGS//,/ } (timeout ${TIMEOUT}s); logs in $DIR"
START=$EPOCHREALTIME
status=0
timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 "${QEMU_ARGS[@]}" < /dev/null > "$DIR/qemu.log" 2>&1 || status=$?
awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' > "$DIR/host-seconds"
rm -f "$DIR/app-console.sock"

code=$(tr -d '\r' < "$DIR/boot-console.log" | sed -n 's/^parker-lab: script .* exit \([0-9]*\) .*/\1/p' | tail -n 1)
if [ -z "$code" ]; then
  [ "$status" = 124 ] && say "the VM did not finish within ${TIMEOUT}s"
  say "no result from the guest (qemu exit $status); last lines of $DIR/boot-console.log:"
  tail -n 25 "$DIR/boot-console.log" >&2 || true
  exit 125
fi
echo "$code" > "$DIR/exit-code"
say "run $RUN: script exit $code after $(cat "$DIR/host-seconds")s of QEMU; logs in $DIR"
exit "$code"
