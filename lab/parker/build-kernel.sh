#!/usr/bin/env bash
# Builds the Parker RFC kernel for the QEMU lab: Debian linux-source-6.12 + the five
# "x86/parker" RFC patches + the lab's build fix and TCG-only patch, with a trimmed
# x86_64 defconfig (kernel.config beside this script). The same bzImage serves as boot
# kernel and as application kernel.
#
# The result is cached by a sha256 key over every input (kernel.config, the lab patches,
# the RFC patches, the Debian source package and its version, the compiler):
# $PARKER_LAB_DIR/parker-kernel/<key>/bzImage (+ config, kernel-release, build.log,
# inputs); parker-kernel/latest links the newest. A run with unchanged inputs takes
# seconds. The patched tree ($PARKER_LAB_DIR/build/<key of source and patches>) is kept, so
# a change of kernel.config rebuilds incrementally. The last line on stdout is always the
# path of the bzImage; everything else goes to stderr.
#
# Usage: lab/parker/build-kernel.sh [--force]
# Env:   PARKER_RFC_PATCHES  directory with the five RFC mails as *.patch
#                            (default $PARKER_LAB_DIR/rfc-patches; see README.md)
#        PARKER_LAB_DIR      default /var/tmp/parker-lab
#        PARKER_BUILD_JOBS   make -j (default 2)
#        PARKER_KEEP_BUILDS  1 keeps older build trees (default: only the newest stays)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${PARKER_LAB_DIR:-/var/tmp/parker-lab}
RFC_DIR=${PARKER_RFC_PATCHES:-$LAB_DIR/rfc-patches}
JOBS=${PARKER_BUILD_JOBS:-2}
SRC_PKG=linux-source-6.12
TARBALL=/usr/src/$SRC_PKG.tar.xz
# Message-IDs of the RFC mails, in order (patch 0/5 is the cover letter: -1-).
MSGIDS=(2 3 4 5 6)
HOST_PACKAGES=("$SRC_PKG" build-essential bc bison flex libelf-dev libssl-dev xz-utils
  cpio kexec-tools busybox-static qemu-system-x86)
FORCE=0
[ "${1:-}" = --force ] && FORCE=1

say() { echo "[parker build] $*" >&2; }
die() { echo "[parker build] error: $*" >&2; exit 1; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get)"

# ---- the RFC patches: checked first, so a missing download fails in one line ----
shopt -s nullglob
RFC_PATCHES=("$RFC_DIR"/*.patch)
shopt -u nullglob
missing_ids=()
for n in "${MSGIDS[@]}"; do
  id="20250923153146.365015-$n-fam.zheng@bytedance.com"
  if [ ${#RFC_PATCHES[@]} = 0 ] || ! grep -qiF "$id" "${RFC_PATCHES[@]}"; then missing_ids+=("$id"); fi
done
[ ${#RFC_PATCHES[@]} -ge 5 ] && [ ${#missing_ids[@]} = 0 ] ||
  die "Parker RFC patches not found in $RFC_DIR (need the 5 mails <20250923153146.365015-{2..6}-fam.zheng@bytedance.com> as *.patch; set PARKER_RFC_PATCHES=DIR; see docs/lab.md, section 'The Parker lab')"

install_host_packages() {
  local missing=() p t
  for p in "${HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} = 0 ]; then say "host packages present"; return; fi
  t=$EPOCHREALTIME
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  say "installed ${missing[*]} in $(since "$t")"
}
install_host_packages
[ -f "$TARBALL" ] || die "$TARBALL missing although $SRC_PKG is installed"

LAB_PATCHES=("$HERE/patches/build-fix-parker-h-init.patch" "$HERE/patches/tcg-lab-only.patch")
SRC_VERSION=$(dpkg-query -W -f='${Version}' "$SRC_PKG")

tree_inputs() {  # what the patched source tree depends on: its key names the build tree
  local f
  echo "source $SRC_PKG $SRC_VERSION $(sha256sum "$TARBALL" | cut -d' ' -f1)"
  for f in "${LAB_PATCHES[@]}" "${RFC_PATCHES[@]}"; do
    echo "file $(basename "$f") $(sha256sum "$f" | cut -d' ' -f1)"
  done
}
inputs() {  # every input of the kernel, as text; its sha256 is the cache key of the bzImage
  # (a change to this script's own logic needs --force)
  tree_inputs
  echo "compiler $(gcc --version | head -1)"
  echo "file kernel.config $(sha256sum "$HERE/kernel.config" | cut -d' ' -f1)"
}
INPUTS=$(inputs)
KEY=$(sha256sum <<< "$INPUTS" | cut -c1-16)
TREE_KEY=$(tree_inputs | sha256sum | cut -c1-16)
OUT=$LAB_DIR/parker-kernel/$KEY
if [ "$FORCE" = 0 ] && [ -f "$OUT/bzImage" ]; then
  say "cached: $(cat "$OUT/kernel-release") ($KEY)"
  echo "$OUT/bzImage"
  exit 0
fi

START=$EPOCHREALTIME
# The build tree is keyed on the source and the patches only: a change of kernel.config or of
# this script rebuilds incrementally in the same tree (seconds to 2 min instead of 4-9 min).
BUILD=$LAB_DIR/build/$TREE_KEY
SRC=$BUILD/$SRC_PKG
if [ "$FORCE" = 0 ] && [ -f "$BUILD/tree-ready" ]; then
  say "reusing the patched tree $BUILD (incremental build)"
else
  rm -rf "$BUILD"
  mkdir -p "$BUILD"
  t=$EPOCHREALTIME
  tar -xf "$TARBALL" -C "$BUILD"
  [ -f "$SRC/Makefile" ] || die "unexpected layout of $TARBALL (no $SRC_PKG/Makefile)"
  say "unpacked $SRC_PKG $SRC_VERSION in $(since "$t")"

  apply() {  # apply <patch> <label>
    local out
    if ! out=$(patch -p1 --forward --no-backup-if-mismatch -d "$SRC" < "$1" 2>&1); then
      echo "$out" >&2
      die "patch $(basename "$1") does not apply to $SRC_PKG $SRC_VERSION"
    fi
    printf '== %s\n%s\n' "$(basename "$1")" "$out" >> "$BUILD/patch.log"
    say "applied $2 $(basename "$1")$(grep -q offset <<< "$out" && echo ' (with offsets)')"
  }
  for p in "${RFC_PATCHES[@]}"; do apply "$p" "RFC"; done
  apply "$HERE/patches/build-fix-parker-h-init.patch" "build fix"
  apply "$HERE/patches/tcg-lab-only.patch" "TCG-only lab patch"
  touch "$BUILD/tree-ready"
fi

# ---- config: defconfig + kernel.config, then olddefconfig, then check ----
t=$EPOCHREALTIME
rm -f "$SRC/.config"
make -C "$SRC" -s defconfig >&2
(cd "$SRC" && scripts/kconfig/merge_config.sh -m .config "$HERE/kernel.config") > "$BUILD/merge_config.log" 2>&1 ||
  { cat "$BUILD/merge_config.log" >&2; die "merge_config.sh failed"; }
make -C "$SRC" -s olddefconfig >&2
bad=0
while IFS= read -r line; do
  case $line in
    CONFIG_*=*)
      grep -qxF "$line" "$SRC/.config" || { say "config: wanted $line, got: $(grep -E "^(# )?${line%%=*}[= ]" "$SRC/.config" || echo absent)"; bad=1; } ;;
    "# CONFIG_"*" is not set")
      opt=${line#\# }; opt=${opt%% *}
      grep -qE "^$opt=[ym]" "$SRC/.config" && say "config: warning: $opt is still $(grep -E "^$opt=" "$SRC/.config" | cut -d= -f2) (a dependency keeps it)" ;;
  esac
done < "$HERE/kernel.config"
[ "$bad" = 0 ] || die "wanted options did not end up in .config (see above)"
say "config ready in $(since "$t"): $(grep -c '=y' "$SRC/.config") options =y, $(grep -c '=m' "$SRC/.config" || true) =m"

# ---- build ----
t=$EPOCHREALTIME
say "make -j$JOBS bzImage (4-9 min on 2 cores); log: $BUILD/build.log"
if ! make -C "$SRC" -j"$JOBS" bzImage > "$BUILD/build.log" 2>&1; then
  grep -E 'error|Error' "$BUILD/build.log" | head -20 >&2 || true
  tail -n 20 "$BUILD/build.log" >&2
  die "kernel build failed; full log: $BUILD/build.log"
fi
BUILD_TIME=$(since "$t")
RELEASE=$(make -C "$SRC" -s kernelrelease)
say "built $RELEASE in $BUILD_TIME"

mkdir -p "$OUT.tmp"
cp "$SRC/arch/x86/boot/bzImage" "$OUT.tmp/bzImage"
cp "$SRC/.config" "$OUT.tmp/config"
cp "$BUILD/build.log" "$BUILD/patch.log" "$OUT.tmp/"
echo "$RELEASE" > "$OUT.tmp/kernel-release"
printf '%s\nbuild-seconds %s\n' "$INPUTS" "$BUILD_TIME" > "$OUT.tmp/inputs"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
ln -sfn "$KEY" "$LAB_DIR/parker-kernel/latest"

if [ "${PARKER_KEEP_BUILDS:-0}" != 1 ]; then
  for d in "$LAB_DIR"/build/*; do [ "$d" = "$BUILD" ] || rm -rf "$d"; done
fi
say "done in $(since "$START"): $(du -h "$OUT/bzImage" | cut -f1) bzImage"
echo "$OUT/bzImage"
