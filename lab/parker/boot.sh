#!/usr/bin/env bash
# Boots the Parker kernel as the BOOT kernel of a QEMU/TCG VM, runs one guest script in it
# (default /lab/smoke.sh) and exits when the VM powers off, or after --timeout seconds.
#
# VM: q35, -cpu max, 4 vCPUs on 2 sockets (cpus 0-1 on node 0, 2-3 on node 1), NUMA node 0
# of 4 GiB (0-2 GiB and 4-6 GiB) and node 1 of 2 GiB (6-8 GiB), two NVMe drives on pcie.0
# (00:04.0 and 00:06.0), no IOMMU, no NIC. Each node keeps its own data at the top of its
# memory, so each has exactly one free 1 GiB-aligned GiB above 4 GiB for its CMA pool (with
# node 0 of 3 GiB, node 0's reservation fails: "reservation failed - err -12, node 0").
# Boot command line:
#   console=ttyS0,115200 parker_cma=0:1G,1:1G nokaslr panic=-1 + parker.lab.* + --append
# Serial ports (ISA, as every kernel of the VM sees them):
#   ttyS0 (0x3f8)  the boot kernel's console            -> RUN/boot-console.log
#   ttyS1 (0x2f8)  application console 1                -> RUN/app-ttyS1.log
#   ttyS2 (0x3e8)  application console 2                -> RUN/app-ttyS2.log
#   ttyS3 (0x2e8)  the guest script's stdout and stderr -> RUN/script-output.log
# ttyS1 and ttyS2 are also cabled (QEMU sockets) to PCI serial ports of the boot kernel
# (1b36:0002 at 00:05.0 and 00:07.0): boot-init.sh appends what they carry to
# /run/parker-lab/console-ttyS1.log (-ttyS2) and links /dev/parker-console-ttyS1 (-ttyS2),
# where "poweroff" stops the application kernel on that port.
#
# Usage: lab/parker/boot.sh [--node] [--script PATH] [--args A,B,C] [--timeout S] [--run NAME]
#                           [--append ARGS] [--parker DIR] [--add-script FILE]...
#   --node        put node and this checkout (bin, dist, package.json, schema, examples, test,
#                 the production node_modules) into the guest at /parker; `parker` is on PATH.
#                 Build dist/ first (npm run build): the guest runs what dist/ holds.
#   --parker DIR  like --node, with DIR instead of this checkout
#   --script      the guest script (default /lab/smoke.sh; *.js/*.mjs/*.cjs: node). A path
#                 that is not absolute is one in the project: --script test/x.mjs runs
#                 /parker/test/x.mjs (needs --node)
#   --args        its arguments, comma-separated (smoke.sh: CYCLES,CPUS,MEMORY)
#   --timeout     kill the VM after S seconds (default 300)
#   --run         name of the run directory $PARKER_LAB_DIR/parker-runs/NAME
#   --append      more boot kernel arguments
#   --add-script  copy FILE into the guest's /lab/ too
# Env: PARKER_KERNEL (a bzImage; default: build-kernel.sh, cached), PARKER_LAB_DIR.
# Exits with the guest script's exit status; 125 when none came back (see the logs).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT=$(cd "$HERE/../.." && pwd)
LAB_DIR=${PARKER_LAB_DIR:-/var/tmp/parker-lab}
SCRIPT=/lab/smoke.sh ARGS= TIMEOUT=300 APPEND= RUN=run-$(date +%Y%m%d-%H%M%S)-$$
IRD_ARGS=()
PARKER_DIR=
while [ $# -gt 0 ]; do
  case $1 in
    --script) SCRIPT=$2; shift 2 ;;
    --args) ARGS=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --run) RUN=$2; shift 2 ;;
    --append) APPEND=$2; shift 2 ;;
    --node) PARKER_DIR=${PARKER_DIR:-$PROJECT}; shift ;;
    --parker) PARKER_DIR=$(cd "$2" && pwd); shift 2 ;;
    --add-script) IRD_ARGS+=(--script "$2"); shift 2 ;;
    *) sed -n '/^# Usage/,/^# Exits/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
say() { echo "[parker boot] $*" >&2; }
die() { echo "[parker boot] error: $*" >&2; exit 2; }
case $RUN in */* | '' | .*) die "bad run name '$RUN'" ;; esac
case $ARGS in *' '*) die "--args are comma-separated, without spaces" ;; esac
case $SCRIPT in
  /*) ;;
  *)
    [ -n "$PARKER_DIR" ] || die "--script $SCRIPT is a project path: add --node"
    [ -f "$PARKER_DIR/$SCRIPT" ] || die "no $SCRIPT in $PARKER_DIR"
    SCRIPT=/parker/$SCRIPT ;;
esac
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: run lab/parker/build-kernel.sh (installs it)"
if [ -n "$PARKER_DIR" ]; then
  [ -f "$PARKER_DIR/dist/cli/main.js" ] || die "$PARKER_DIR/dist is not built: run npm run build"
  IRD_ARGS+=(--parker "$PARKER_DIR")
fi

KERNEL=${PARKER_KERNEL:-$("$HERE/build-kernel.sh" | tail -n 1)}
[ -f "$KERNEL" ] || die "no kernel at $KERNEL"
INITRD=$("$HERE/initramfs.sh" --kernel "$KERNEL" ${IRD_ARGS[@]+"${IRD_ARGS[@]}"} | tail -n 1)

DIR=$LAB_DIR/parker-runs/$RUN
mkdir -p "$LAB_DIR/parker-runs"
ls -1t "$LAB_DIR/parker-runs" | tail -n +30 | while read -r old; do rm -rf "${LAB_DIR:?}/parker-runs/$old"; done
rm -rf "$DIR"
mkdir -p "$DIR"

KARGS="console=ttyS0,115200 parker_cma=0:1G,1:1G nokaslr panic=-1 parker.lab.script=$SCRIPT"
[ -n "$ARGS" ] && KARGS="$KARGS parker.lab.args=$ARGS"
[ -n "$APPEND" ] && KARGS="$KARGS $APPEND"
QEMU_ARGS=(
  -machine q35 -accel tcg -cpu max
  -smp 4,sockets=2,cores=2,threads=1
  -m 6G
  -object memory-backend-ram,id=ram0,size=4G
  -object memory-backend-ram,id=ram1,size=2G
  -numa node,nodeid=0,memdev=ram0
  -numa node,nodeid=1,memdev=ram1
  -numa cpu,node-id=0,socket-id=0
  -numa cpu,node-id=1,socket-id=1
  -blockdev null-co,node-name=nvme0,size=268435456,read-zeroes=on
  -device nvme,drive=nvme0,serial=parkerlab0,bus=pcie.0,addr=04.0
  -blockdev null-co,node-name=nvme1,size=268435456,read-zeroes=on
  -device nvme,drive=nvme1,serial=parkerlab1,bus=pcie.0,addr=06.0
  -chardev "socket,id=app1,path=$DIR/app-ttyS1.sock,server=on,wait=off,logfile=$DIR/app-ttyS1.log"
  -chardev "socket,id=app2,path=$DIR/app-ttyS2.sock,server=on,wait=off,logfile=$DIR/app-ttyS2.log"
  -serial "file:$DIR/boot-console.log"
  -serial chardev:app1
  -serial chardev:app2
  -serial "file:$DIR/script-output.log"
  -chardev "socket,id=cable1,path=$DIR/app-ttyS1.sock"
  -device pci-serial,chardev=cable1,bus=pcie.0,addr=05.0
  -chardev "socket,id=cable2,path=$DIR/app-ttyS2.sock"
  -device pci-serial,chardev=cable2,bus=pcie.0,addr=07.0
  -kernel "$KERNEL" -initrd "$INITRD" -append "$KARGS"
  -display none -vga none -monitor none -nic none -no-reboot
)
{
  printf 'qemu-system-x86_64'
  for arg in "${QEMU_ARGS[@]}"; do
    case $arg in -*) printf ' \\\n  %s' "$arg" ;; *' '*) printf " '%s'" "$arg" ;; *) printf ' %s' "$arg" ;; esac
  done
  echo
} > "$DIR/qemu-command"

say "run $RUN: $SCRIPT ${ARGS//,/ } (timeout ${TIMEOUT}s); logs in $DIR"
# A boot kernel that stalls before its userspace is up is an emulator hang: boot again, at
# most twice (lab/qemu-watch.sh; the stalled logs stay as *.stalled-N).
. "$HERE/../qemu-watch.sh"
START=$EPOCHREALTIME
for attempt in 1 2 3; do
  status=0
  run_qemu_watched "$DIR/boot-console.log" 'parker-lab: boot kernel userspace ready' "$TIMEOUT" "${QEMU_ARGS[@]}" > "$DIR/qemu.log" 2>&1 || status=$?
  rm -f "$DIR"/*.sock
  [ "$status" = 86 ] && [ "$attempt" -lt 3 ] || break
  say "the boot kernel stalled before its userspace was up (an emulator hang, see $DIR/boot-console.log.stalled-$attempt); booting again"
  boot_stalled_note "$DIR" "$attempt" boot-console.log script-output.log qemu.log app-ttyS1.log app-ttyS2.log
done
awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' > "$DIR/host-seconds"

code=$(cat "$DIR/boot-console.log" "$DIR/script-output.log" 2>/dev/null | tr -d '\r' |
  sed -n 's/^parker-lab: script .* exit \([0-9]*\) .*/\1/p' | tail -n 1)
if [ -z "$code" ]; then
  [ "$status" = 124 ] && say "the VM did not finish within ${TIMEOUT}s"
  [ "$status" = 86 ] && say "the boot kernel stalled while booting, three times"
  say "no result from the guest (qemu exit $status); last lines of $DIR/boot-console.log:"
  tail -n 25 "$DIR/boot-console.log" >&2 || true
  say "last lines of $DIR/script-output.log:"
  tail -n 15 "$DIR/script-output.log" >&2 || true
  exit 125
fi
echo "$code" > "$DIR/exit-code"
# A retried boot is said with the result: the boot kernel here is the Parker kernel under test.
retried=
[ -f "$DIR/boot-retries" ] && retried=" (after $(cat "$DIR/boot-retries") stalled boot(s) of the boot kernel: $DIR/boot-console.log.stalled-*)"
say "run $RUN: script exit $code after $(cat "$DIR/host-seconds")s of QEMU$retried; logs in $DIR"
exit "$code"
