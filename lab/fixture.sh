#!/usr/bin/env bash
# Records the default lab machine as a test fixture:
#   test/fixtures/qemu-q35-2node.tar.gz   a `parker gather` archive of the VM (root-relative
#                                         sys/... and proc/... paths, links kept)
#   test/fixtures/qemu-q35-2node.md       what the VM was and the facts tests can assert
# One boot runs lab/fixture-guest.sh: lab/capture-raw.sh copies sysfs/procfs (the notes are
# read from that full copy, not from parker), then `parker gather` from dist/ (build first).
# With --raw, or while dist/ has no gather command, the archive is the raw copy instead
# (then without parker-gather.json).
#
# Usage: lab/fixture.sh [--raw]
set -euo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_DIR=${PARKER_LAB_DIR:-/var/tmp/parker-lab}
NAME=qemu-q35-2node
ARCHIVE=$PROJECT/test/fixtures/$NAME.tar.gz
NOTES=$PROJECT/test/fixtures/$NAME.md
MODE=gather
if [ "${1:-}" = --raw ] || ! grep -qs "'gather'" "$PROJECT"/dist/cli/*.js; then MODE=raw; fi

RUN=fixture
DIR=$LAB_DIR/share/runs/$RUN
"$PROJECT/lab/run.sh" --run "$RUN" lab/fixture-guest.sh "$MODE"
TREE=$(mktemp -d)
trap 'rm -rf "$TREE"' EXIT
tar -xzf "$DIR/tree.tar.gz" -C "$TREE"
if [ "$MODE" = gather ]; then
  cp "$DIR/gather.tar.gz" "$ARCHIVE"
else
  tar -C "$TREE" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - sys proc | gzip -9n > "$ARCHIVE"
fi
echo "lab/fixture.sh: wrote $ARCHIVE ($(wc -c < "$ARCHIVE") bytes, $MODE)" >&2

# ---- the notes: read straight from the captured files, not from parker's discovery ----
S=$TREE/sys/devices/system
val() { cat "$1" 2> /dev/null || echo '?'; }
link_name() { local t; t=$(readlink "$1" 2> /dev/null) && echo "${t##*/}" || echo '-'; }
node_of() { local n; n=$(ls -d "$1"/node[0-9]* 2> /dev/null | head -1); echo "${n##*node}"; }

{
  echo "# Fixture $NAME: the default lab VM"
  echo
  if [ "$MODE" = gather ]; then
    echo "The archive is \`parker gather -f FILE --machine host\` run inside the VM: only the files discovery"
    echo "reads. The tables below come from a full copy of the same boot (lab/capture-raw.sh)."
  else
    echo "The archive is a raw copy of the VM's sysfs/procfs (lab/capture-raw.sh), without parker-gather.json."
  fi
  echo
  echo "Made by \`lab/fixture.sh\` on $(date -u +%Y-%m-%d); regenerate with the same command."
  echo
  echo "- QEMU: $(qemu-system-x86_64 --version | head -1) (TCG, no KVM)"
  echo "- Kernel: $(val "$TREE/proc/sys/kernel/osrelease") (Debian package $(ls "$LAB_DIR/debs" | sed 's/_amd64.deb//; s/_/ /'))"
  echo "- Kernel command line: \`$(val "$TREE/proc/cmdline")\`"
  echo "- QEMU command line (lab/run.sh; \$LAB is \$PARKER_LAB_DIR, \$PROJECT the checkout):"
  echo
  echo '```'
  sed "s|$LAB_DIR|\$LAB|g; s|$PROJECT|\$PROJECT|g" "$DIR/qemu-command"
  echo '```'
  echo
  echo "## Key facts"
  echo
  echo "- 8 CPUs: 2 packages x 2 cores x 2 threads; package N is NUMA node N (cpus 0-3 and 4-7)."
  echo "- Thread siblings are pairs (0-1, 2-3, ...); L2 is per core, L3 per package."
  echo "- Node 1 holds its 1G of boot RAM plus a 1G pc-dimm at 4 GiB, onlined as Movable blocks."
  echo "- The NVMe drive (class 0x010802) sits behind a PCIe root port on a pxb-pcie expander"
  echo "  bridge with numa_node 1; devices on the root bus report numa_node -1."
  echo "- intel-iommu: every device has an IOMMU group; the ICH9 functions 00:1f.* share one."
  echo
  echo "## CPUs"
  echo
  echo "online $(val "$S/cpu/online"), possible $(val "$S/cpu/possible"); cpu0 has no \`online\` file (the boot CPU cannot go offline)."
  echo
  echo "| cpu | node | package | die | core | thread siblings | L2 shared | L3 shared |"
  echo "|---|---|---|---|---|---|---|---|"
  for c in $(ls "$S/cpu" | sed -n 's/^cpu\([0-9][0-9]*\)$/\1/p' | sort -n); do
    T=$S/cpu/cpu$c/topology
    echo "| $c | $(node_of "$S/cpu/cpu$c") | $(val "$T/physical_package_id") | $(val "$T/die_id") | $(val "$T/core_id") | $(val "$T/thread_siblings_list") | $(val "$S/cpu/cpu$c/cache/index2/shared_cpu_list") | $(val "$S/cpu/cpu$c/cache/index3/shared_cpu_list") |"
  done
  echo
  echo "## NUMA nodes"
  echo
  echo "| node | cpus | distances | MemTotal |"
  echo "|---|---|---|---|"
  for n in $(ls "$S/node" | sed -n 's/^node\([0-9][0-9]*\)$/\1/p' | sort -n); do
    echo "| $n | $(val "$S/node/node$n/cpulist") | $(val "$S/node/node$n/distance") | $(grep -o 'MemTotal: *[0-9]* kB' "$S/node/node$n/meminfo" 2> /dev/null | tr -s ' ' | cut -d' ' -f2-) |"
  done
  echo
  echo "## Memory blocks"
  echo
  echo "block_size_bytes 0x$(val "$S/memory/block_size_bytes"). Blocks with the same state, zones and node are grouped."
  echo
  echo "| blocks | state | valid_zones | node |"
  echo "|---|---|---|---|"
  for b in $(ls "$S/memory" | sed -n 's/^memory\([0-9][0-9]*\)$/\1/p' | sort -n); do
    B=$S/memory/memory$b
    echo "$b|$(val "$B/state")|$(val "$B/valid_zones")|$(node_of "$B")"
  done | awk -F'|' '
    { key = $2 "|" $3 "|" $4 }
    key != last || $1 != prev + 1 { if (NR > 1) out(); first = $1; last = key }
    { prev = $1 }
    END { out() }
    function out(  k) { split(last, k, "|"); printf "| %s | %s | %s | %s |\n", (first == prev ? first : first "-" prev), k[1], k[2], k[3] }'
  echo
  echo "## /proc/iomem (top level)"
  echo
  echo '```'
  grep -v '^ ' "$TREE/proc/iomem" || true
  echo '```'
  echo
  echo "## PCI devices"
  echo
  echo "| address | class | vendor:device | numa_node | iommu group | driver | parent |"
  echo "|---|---|---|---|---|---|---|"
  for d in "$TREE"/sys/bus/pci/devices/*; do
    a=${d##*/}
    parent=$(readlink "$d" | awk -F/ '{ print $(NF - 1) }')
    case $parent in *:*:*.*) ;; *) parent='-' ;; esac
    echo "| $a | $(val "$d/class") | $(val "$d/vendor"):$(val "$d/device") | $(val "$d/numa_node") | $(link_name "$d/iommu_group") | $(link_name "$d/driver") | $parent |"
  done
} > "$NOTES"
echo "lab/fixture.sh: wrote $NOTES" >&2
