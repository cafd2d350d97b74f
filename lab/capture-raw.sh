#!/bin/sh
# Copies the sysfs/procfs files parker's discovery reads into DIR, with root-relative paths
# (DIR/sys/..., DIR/proc/...) and symbolic links kept as links. Runs inside the lab VM with
# busybox sh: lab/run.sh lab/capture-raw.sh tree
#
# Only plain attribute files are read. PCI devices are limited to a list of attributes:
# reading resource*, rom, remove, rescan or reset files can have effects, so they are never
# touched.
set -u
OUT=${1:?usage: capture-raw.sh DIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# copy_file PATH (relative to /): a file the kernel lets us read; dropped when it refuses.
copy_file() {
  cat "/$1" > "$OUT/$1" 2> /dev/null || rm -f "$OUT/$1"
}

copy_link() {
  ln -s "$(readlink "/$1")" "$OUT/$1"
}

# walk DIR FIND-ACTIONS...: find under DIR, without the entries discovery never reads
# (uevent, power, subsystem, and the cpufreq/cpuidle/microcode/hotplug trees).
walk() {
  dir=$1
  shift
  find "$dir" \( -name uevent -o -name power -o -name subsystem -o -name cpufreq \
    -o -name cpuidle -o -name microcode -o -name hotplug \) -prune -o "$@"
}

# copy_tree DIR: its readable files and its links. Each command is a fork and exec, slow
# under TCG, so the directories are made in one go.
copy_tree() {
  [ -d "/$1" ] || return 0
  walk "/$1" -type d -print | sed "s|^|$OUT|" | xargs mkdir -p
  walk "/$1" -type l -print -o -type f -perm -0400 -print |
    while IFS= read -r path; do
      if [ -L "$path" ]; then copy_link "${path#/}"; else copy_file "${path#/}"; fi
    done
}

PCI_ATTRIBUTES="vendor device class numa_node enable config local_cpus local_cpulist irq"

copy_pci_device() {
  real=$(readlink -f "/sys/bus/pci/devices/$1")
  rel=${real#/}
  mkdir -p "$OUT/$rel"
  copy_link "sys/bus/pci/devices/$1"
  for attr in $PCI_ATTRIBUTES; do
    [ -f "$real/$attr" ] && copy_file "$rel/$attr"
  done
  for attr in "$real"/sriov_*; do
    [ -f "$attr" ] && copy_file "$rel/${attr##*/}"
  done
  for link in driver iommu_group; do
    [ -L "$real/$link" ] && copy_link "$rel/$link"
  done
}

mkdir -p "$OUT/sys/bus/pci/devices" "$OUT/proc/sys/kernel"
copy_tree sys/devices/system/cpu
copy_tree sys/devices/system/node
copy_tree sys/devices/system/memory
for device in $(ls /sys/bus/pci/devices); do copy_pci_device "$device"; done
copy_tree sys/kernel/iommu_groups
copy_tree sys/kernel/mm/cma
for file in proc/iomem proc/cmdline proc/meminfo proc/sys/kernel/osrelease; do copy_file "$file"; done
echo "captured $(find "$OUT" -type f | wc -l) files and $(find "$OUT" -type l | wc -l) links"
