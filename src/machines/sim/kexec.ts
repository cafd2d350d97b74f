import * as path from 'node:path';
import { ParkerError } from '../../units/parker-error.js';
import { READ_LIMITS, readBoundedFile } from '../bounded-read.js';
import type { PhysRange } from '../../units/phys-range.js';
import type { KexecLoad } from '../machine.js';
import type { SimKernel } from './sim-kernel.js';
import { BzImageError, bzImageVersion, parseBzImage } from './bzimage.js';

/** Where an image without a window lands: boot-kernel memory just above 16 MiB, as kexec picks. */
const DEFAULT_LOAD_ADDRESS = 0x1000000;

/**
 * Reads an image the way the simulated machine sees files: its own /boot (the `files/` folder
 * of its state directory) first, then the real path. Nothing is ever written there by kexec.
 */
export function readImage(filesDir: string | null, imagePath: string): Uint8Array | null {
  const candidates = [...(filesDir ? [path.join(filesDir, imagePath.replace(/^\/+/, ''))] : []), imagePath];
  for (const candidate of candidates) {
    try {
      return readBoundedFile(candidate, READ_LIMITS.image, 'kernel image');
    } catch (e) {
      // A file that is there but is not a regular file, or is too big, is refused (E_TOO_BIG);
      // a missing one is looked for in the next place.
      if (e instanceof ParkerError) throw e;
    }
  }
  return null;
}

/** kexec_file_load: one global image. Refuses what kexec refuses, with its errno. */
export function loadImage(k: SimKernel, request: KexecLoad, image: Uint8Array | null): void {
  const where = request.image;
  k.checkAlive('kexec', where);
  if (image === null) k.fail('ENOENT', 'kexec', where, 'no such image');
  let header;
  try {
    header = parseBzImage(image);
  } catch (e) {
    if (e instanceof BzImageError) k.fail('ENOEXEC', 'kexec', where, e.message);
    throw e;
  }
  if (request.cmdline.length > header.cmdlineSize) {
    k.fail('EINVAL', 'kexec', where, `command line is ${request.cmdline.length} bytes; this kernel accepts ${header.cmdlineSize}`);
  }
  let placedAt: PhysRange;
  if (request.window) {
    const align = Math.max(header.kernelAlignment, 4096);
    const start = Math.ceil(request.window.start / align) * align;
    if (start + header.initSize - 1 > request.window.end) {
      k.fail('ENOMEM', 'kexec', where, `init_size ${header.initSize} does not fit the window 0x${request.window.start.toString(16)}-0x${request.window.end.toString(16)}`);
    }
    placedAt = { start, end: start + header.initSize - 1 };
  } else {
    placedAt = { start: DEFAULT_LOAD_ADDRESS, end: DEFAULT_LOAD_ADDRESS + header.initSize - 1 };
  }
  k.kexec = {
    path: request.image,
    version: bzImageVersion(image),
    cmdline: request.cmdline,
    initrd: request.initrd ?? null,
    placedAt,
  };
  k.put('sys/kernel/kexec_loaded', 1);
}

export function unloadImage(k: SimKernel): void {
  k.kexec = null;
  k.put('sys/kernel/kexec_loaded', 0);
}
