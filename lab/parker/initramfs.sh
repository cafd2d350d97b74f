#!/usr/bin/env bash
# Builds the two initramfs images of the Parker lab:
#   app-initrd.img   the APPLICATION kernel's: busybox, uart-poll (uart-poll.c, static),
#                    /init (app-init.sh)
#   boot-initrd.img  the BOOT kernel's: busybox, kexec (+ its libraries), /init
#                    (boot-init.sh), the guest scripts in /lab (smoke.sh + --script FILEs),
#                    and the kexec payload: /boot/bzImage and /boot/app-initrd.img;
#                    optionally node (+ libraries) as /usr/bin/node and a built checkout at
#                    /parker (bin, dist, package.json, schema, examples, test, bench and the
#                    production node_modules; /usr/bin/parker runs its bin/parker.js)
# Both are cached by a key over their inputs; the last line on stdout is the path of
# boot-initrd.img (app-initrd.img lies beside it).
#
# Usage: lab/parker/initramfs.sh [--kernel BZIMAGE] [--node] [--parker DIR]
#                                [--script FILE]... [--out DIR] [--force]
#   --kernel   the Parker bzImage put in as the application kernel
#              (default: $PARKER_LAB_DIR/parker-kernel/latest/bzImage from build-kernel.sh)
#   --node     copy the host's node (readlink -f $(command -v node)) and its libraries
#   --parker   copy the built checkout DIR to /parker (see above); implies --node
#   --script   copy FILE to /lab/ (run it with boot.sh --script /lab/NAME)
#   --out      output directory (default $PARKER_LAB_DIR/parker-initramfs/{plain,node,parker})
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${PARKER_LAB_DIR:-/var/tmp/parker-lab}
KERNEL=$LAB_DIR/parker-kernel/latest/bzImage
OUT=
NODE=0 PARKER_DIR= FORCE=0
SCRIPTS=("$HERE/smoke.sh")

while [ $# -gt 0 ]; do
  case $1 in
    --kernel) KERNEL=$2; shift 2 ;;
    --node) NODE=1; shift ;;
    --parker) PARKER_DIR=$(cd "$2" && pwd); NODE=1; shift 2 ;;
    --script) SCRIPTS+=("$(readlink -f "$2")"); shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --force) FORCE=1; shift ;;
    *) echo "usage: $0 [--kernel BZIMAGE] [--node] [--parker DIR] [--script FILE]... [--out DIR] [--force]" >&2; exit 2 ;;
  esac
done

# One cache per flavour, so that runs with and without node do not rebuild each other's.
[ -n "$OUT" ] || OUT=$LAB_DIR/parker-initramfs/$([ -n "$PARKER_DIR" ] && echo parker || { [ "$NODE" = 1 ] && echo node || echo plain; })
say() { echo "[parker initramfs] $*" >&2; }
die() { echo "[parker initramfs] error: $*" >&2; exit 1; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }

[ -f "$KERNEL" ] || die "no kernel at $KERNEL: run lab/parker/build-kernel.sh (or pass --kernel)"
KERNEL=$(readlink -f "$KERNEL")
[ -x /bin/busybox ] || die "/bin/busybox missing (apt-get install busybox-static)"
KEXEC=$(command -v kexec) || die "kexec missing (apt-get install kexec-tools)"
command -v cpio >/dev/null || die "cpio missing (apt-get install cpio)"
command -v gcc >/dev/null || die "gcc missing (apt-get install build-essential)"
if [ "$NODE" = 1 ]; then
  NODE_BIN=$(readlink -f "$(command -v node)") || die "--node: node is not on PATH"
fi
for s in "${SCRIPTS[@]}"; do [ -f "$s" ] || die "no script $s"; done
PARKER_PARTS=()
if [ -n "$PARKER_DIR" ]; then
  [ -f "$PARKER_DIR/dist/cli/main.js" ] || die "$PARKER_DIR/dist is not built (npm run build)"
  for part in bin dist package.json schema examples test bench; do
    [ -e "$PARKER_DIR/$part" ] && PARKER_PARTS+=("$part")
  done
  # The production dependencies only (node_modules also holds the dev tools: 100 MB).
  while IFS= read -r dep; do
    [ -n "$dep" ] && PARKER_PARTS+=("${dep#"$PARKER_DIR"/}")
  done < <(cd "$PARKER_DIR" && npm ls --omit=dev --parseable --all 2>/dev/null | tail -n +2)
fi

key() {
  {
    cat "${BASH_SOURCE[0]}" "$HERE/app-init.sh" "$HERE/boot-init.sh" "$HERE/uart-poll.c"
    sha256sum "${SCRIPTS[@]}" | cut -d' ' -f1
    echo "${SCRIPTS[*]##*/}"
    sha256sum "$KERNEL" | cut -d' ' -f1
    stat -c '%s %Y' /bin/busybox "$(readlink -f "$KEXEC")"
    if [ "$NODE" = 1 ]; then echo "node $NODE_BIN"; stat -c '%s %Y' "$NODE_BIN"; fi
    if [ -n "$PARKER_DIR" ]; then
      echo "parker $PARKER_DIR"
      (cd "$PARKER_DIR" && find "${PARKER_PARTS[@]}" -type f -printf '%p %s %T@\n' 2>/dev/null | sort)
    fi
  } | sha256sum | cut -c1-16
}
KEY=$(key)
if [ "$FORCE" = 0 ] && [ -f "$OUT/boot-initrd.img" ] && [ "$(cat "$OUT/key" 2>/dev/null)" = "$KEY" ]; then
  say "up to date ($KEY)"
  echo "$OUT/boot-initrd.img"
  exit 0
fi

# copy_libs ROOT BINARY: the binary's shared libraries and loader, at the paths it asks for.
copy_libs() {
  local root=$1 bin=$2 lib
  ldd "$bin" | awk '/=>/ { print $3 } /^\t\/.*ld-linux/ { print $1 }' | while read -r lib; do
    [ -n "$lib" ] || continue
    mkdir -p "$root$(dirname "$lib")"
    cp -Ln "$lib" "$root$lib"
  done
}
skeleton() {  # skeleton ROOT: busybox and the directories /init expects
  mkdir -p "$1"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,etc}
  cp /bin/busybox "$1/bin/busybox"
  ln -s busybox "$1/bin/sh"
}
pack() {  # pack ROOT OUT
  (cd "$1" && find . | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$2.tmp"
  mv "$2.tmp" "$2"
}

START=$EPOCHREALTIME
mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ---- application kernel ----
skeleton "$WORK/app"
install -m 755 "$HERE/app-init.sh" "$WORK/app/init"
gcc -static -O2 -Wall -o "$WORK/app/bin/uart-poll" "$HERE/uart-poll.c" || die "cannot build uart-poll.c (gcc, libc6-dev)"
pack "$WORK/app" "$OUT/app-initrd.img"
say "app-initrd.img $(du -h "$OUT/app-initrd.img" | cut -f1)"

# ---- boot kernel ----
R=$WORK/boot
skeleton "$R"
mkdir -p "$R/lab" "$R/boot"
install -m 755 "$HERE/boot-init.sh" "$R/init"
cp -L "$KEXEC" "$R/sbin/kexec"
copy_libs "$R" "$KEXEC"
for s in "${SCRIPTS[@]}"; do install -m 755 "$s" "$R/lab/$(basename "$s")"; done
cp "$KERNEL" "$R/boot/bzImage"
cp "$OUT/app-initrd.img" "$R/boot/app-initrd.img"
if [ "$NODE" = 1 ]; then
  cp -L "$NODE_BIN" "$R/usr/bin/node"
  copy_libs "$R" "$NODE_BIN"
fi
if [ -n "$PARKER_DIR" ]; then
  mkdir -p "$R/parker"
  tar -C "$PARKER_DIR" -cf - "${PARKER_PARTS[@]}" | tar -C "$R/parker" -xf -
  printf '#!/bin/sh\nexec node /parker/bin/parker.js "$@"\n' > "$R/usr/bin/parker"
  chmod 755 "$R/usr/bin/parker"
fi
pack "$R" "$OUT/boot-initrd.img"
echo "$KEY" > "$OUT/key"
say "boot-initrd.img $(du -h "$OUT/boot-initrd.img" | cut -f1) (node: $NODE, /parker: ${PARKER_DIR:-none}, scripts: $(cd "$R/lab" && echo *)) in $(since "$START")"
echo "$OUT/boot-initrd.img"
