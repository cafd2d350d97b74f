#!/usr/bin/env bash
# Prepares the QEMU lab on a Debian 12 host (run as root; no KVM needed):
#   - host tools: qemu-system-x86, busybox-static, kexec-tools, cpio (apt-get);
#   - the pinned Debian kernel, downloaded and unpacked (never installed);
#   - a small busybox initramfs whose /init runs one command from the 9p shares;
#   - the host's node binary for the guest.
# Everything lands in $PARKER_LAB_DIR (default /var/tmp/parker-lab). A second run with
# nothing changed only checks and takes a few seconds.
#
# Usage: lab/setup.sh [--force]     (--force rebuilds the initramfs and the share)
# Env:   PARKER_LAB_DIR, PARKER_LAB_KERNEL_PKG, PARKER_LAB_KERNEL_VERSION
set -euo pipefail

LAB_DIR=${PARKER_LAB_DIR:-/var/tmp/parker-lab}
KERNEL_PKG=${PARKER_LAB_KERNEL_PKG:-linux-image-6.1.0-56-amd64}
KERNEL_VERSION=${PARKER_LAB_KERNEL_VERSION:-6.1.192-2}
HOST_PACKAGES=(qemu-system-x86 busybox-static kexec-tools cpio)
# Drivers for the lab's devices and for the 9p shares; their dependencies come along.
MODULES=(nvme virtio_pci virtio_net e1000 9p 9pnet_virtio)
FORCE=0
[ "${1:-}" = --force ] && FORCE=1

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SHARE=$LAB_DIR/share          # the guest mounts this at /mnt/lab
START=$EPOCHREALTIME

say() { echo "[lab setup] $*" >&2; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get and the initramfs need it)"
command -v node >/dev/null || die "node is not on PATH; the guest runs the host's node"

install_host_packages() {
  local missing=() p t
  for p in "${HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} = 0 ]; then say "host packages present"; return; fi
  t=$EPOCHREALTIME
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  say "installed ${missing[*]} in $(since "$t")"
}

kernel_deb() { echo "$LAB_DIR/debs/${KERNEL_PKG}_${KERNEL_VERSION}_amd64.deb"; }

download_kernel() {
  local deb t current
  deb=$(kernel_deb)
  if [ -f "$deb" ]; then say "kernel package cached: $deb"; return; fi
  t=$EPOCHREALTIME
  mkdir -p "$LAB_DIR/debs"
  if ! (cd "$LAB_DIR/debs" && apt-get download "$KERNEL_PKG=$KERNEL_VERSION"); then
    # Debian keeps only the current kernel of a release in its archive: when the pinned one is
    # gone, take the one linux-image-amd64 points at now (the lab's facts do not depend on it).
    current=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$current" ] || die "cannot download $KERNEL_PKG=$KERNEL_VERSION and no current linux-image-amd64 was found; set PARKER_LAB_KERNEL_PKG and PARKER_LAB_KERNEL_VERSION"
    KERNEL_PKG=$current
    KERNEL_VERSION=$(apt-cache policy "$current" | awk '/Candidate:/ {print $2}')
    say "pinned kernel not in the archive any more; using $KERNEL_PKG $KERNEL_VERSION"
    deb=$(kernel_deb)
    [ -f "$deb" ] || (cd "$LAB_DIR/debs" && apt-get download "$KERNEL_PKG=$KERNEL_VERSION") || die "cannot download $KERNEL_PKG=$KERNEL_VERSION"
  fi
  say "downloaded $KERNEL_PKG $KERNEL_VERSION in $(since "$t")"
}

# Everything the initramfs is made from; when it changes, the image is rebuilt.
recipe_key() {
  local node_bin
  node_bin=$(readlink -f "$(command -v node)")
  {
    echo "$KERNEL_PKG $KERNEL_VERSION ${MODULES[*]}"
    cat "${BASH_SOURCE[0]}" "$HERE/init.sh"
    node --version
    stat -c '%s %Y' "$node_bin" /bin/busybox "$(command -v kexec)"
  } | sha256sum | cut -d' ' -f1
}

# copy_libs ROOT BINARY: the binary's shared libraries (and the loader) into ROOT at
# the paths the binary asks for, so it runs there unchanged.
copy_libs() {
  local root=$1 bin=$2 lib
  ldd "$bin" | awk '/=>/ { print $3 } /^\t\/.*ld-linux/ { print $1 }' | while read -r lib; do
    [ -n "$lib" ] || continue
    mkdir -p "$root$(dirname "$lib")"
    cp -Ln "$lib" "$root$lib"
  done
}

# copy_module_closure KROOT NAME ROOT: module NAME and every module it depends on, as
# named in the depends= field of each module's .modinfo section.
copy_module_closure() {
  local kroot=$1 name=$2 root=$3 file dep
  file=$(awk -v n="$name" '$1 == n { print $2; exit }' "$kroot/module-files")
  [ -n "$file" ] || die "module $name is not in $KERNEL_PKG"
  [ -f "$root/$file" ] && return 0
  mkdir -p "$root/$(dirname "$file")"
  cp "$kroot/$file" "$root/$file"
  for dep in $(tr '\0' '\n' < "$kroot/$file" | sed -n 's/^depends=//p' | tr ',' ' '); do
    copy_module_closure "$kroot" "${dep//-/_}" "$root"
  done
}

build_image() {
  local work t kroot kver rootfs
  t=$EPOCHREALTIME
  work=$(mktemp -d "$LAB_DIR/build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  kroot=$work/kernel
  dpkg-deb -x "$(kernel_deb)" "$kroot"
  kver=$(ls "$kroot/lib/modules")
  say "unpacked kernel $kver in $(since "$t")"

  # Module name (dashes and underscores are the same to the kernel) -> file.
  (cd "$kroot" && find lib/modules -name '*.ko*') |
    awk '{ n = $0; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n); print n, $0 }' > "$kroot/module-files"

  t=$EPOCHREALTIME
  rootfs=$work/rootfs
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,mnt/lab,mnt/project,etc}
  cp /bin/busybox "$rootfs/bin/busybox"
  ln -s busybox "$rootfs/bin/sh"
  cp -L "$(command -v kexec)" "$rootfs/sbin/kexec"
  copy_libs "$rootfs" "$(command -v kexec)"
  # node itself stays on the share (99 MB); its libraries and the loader live here so it
  # runs as an ordinary executable (true process.execPath, `#!/usr/bin/env node` works).
  copy_libs "$rootfs" "$(readlink -f "$(command -v node)")"
  ln -s /mnt/lab/node/bin/node "$rootfs/usr/bin/node"
  local m
  for m in "${MODULES[@]}"; do copy_module_closure "$kroot" "${m//-/_}" "$rootfs"; done
  # The .deb ships no modules.dep (dpkg's postinst makes it); the guest's modprobe needs one.
  busybox depmod -b "$rootfs" "$kver"
  sed "s/@MODULES@/${MODULES[*]}/" "$HERE/init.sh" > "$rootfs/init"
  chmod 755 "$rootfs/init"

  mkdir -p "$SHARE/boot" "$SHARE/node/bin" "$SHARE/runs"
  (cd "$rootfs" && find . | cpio -o -H newc --quiet | gzip -1) > "$SHARE/boot/initrd.img.tmp"
  mv "$SHARE/boot/initrd.img.tmp" "$SHARE/boot/initrd.img"
  cp "$kroot/boot/vmlinuz-$kver" "$SHARE/boot/vmlinuz"
  echo "$kver" > "$SHARE/boot/kernel-release"
  cp -L "$(command -v node)" "$SHARE/node/bin/node.tmp"
  mv "$SHARE/node/bin/node.tmp" "$SHARE/node/bin/node"
  say "initramfs $(du -h "$SHARE/boot/initrd.img" | cut -f1) ($(find "$rootfs/lib/modules" -name '*.ko*' | wc -l) modules) in $(since "$t")"
  rm -rf "$work"
  trap - EXIT
}

mkdir -p "$LAB_DIR"
install_host_packages
download_kernel
KEY=$(recipe_key)
if [ "$FORCE" = 0 ] && [ -f "$SHARE/boot/initrd.img" ] && [ "$(cat "$LAB_DIR/recipe-key" 2>/dev/null)" = "$KEY" ]; then
  say "initramfs up to date ($(cat "$SHARE/boot/kernel-release"))"
else
  build_image
  echo "$KEY" > "$LAB_DIR/recipe-key"
fi
say "ready in $(since "$START"): $LAB_DIR ($(qemu-system-x86_64 --version | head -1))"
