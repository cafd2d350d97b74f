/**
 * The x86 boot protocol's setup header (Documentation/arch/x86/boot.rst), which is what
 * kexec checks before it loads a bzImage. The simulator refuses what kexec would refuse.
 */
export interface BzImageHeader {
  setupSects: number;
  /** Boot protocol version, e.g. 0x020f for 2.15. */
  version: number;
  relocatable: boolean;
  /** XLF_KERNEL_64: has a 64-bit entry point at 0x200 above the load address. */
  kernel64: boolean;
  /** Memory the kernel needs from its load address to finish decompressing. */
  initSize: number;
  /** Longest command line the kernel accepts, without the final NUL. */
  cmdlineSize: number;
  kernelAlignment: number;
  prefAddress: number;
  /** Size of the protected-mode part (the payload after the setup sectors). */
  payloadBytes: number;
}

export class BzImageError extends Error {}

const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) => (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0;

/** Parses and checks a bzImage; throws BzImageError saying what kexec would object to. */
export function parseBzImage(bytes: Uint8Array): BzImageHeader {
  if (bytes.length < 0x270) throw new BzImageError(`too short for a bzImage (${bytes.length} bytes)`);
  if (u16(bytes, 0x1fe) !== 0xaa55) throw new BzImageError('no boot sector signature 0xAA55 at 0x1fe');
  if (String.fromCharCode(...bytes.subarray(0x202, 0x206)) !== 'HdrS') throw new BzImageError('no "HdrS" setup header magic at 0x202: not a bzImage');
  const version = u16(bytes, 0x206);
  if (version < 0x020c) throw new BzImageError(`boot protocol ${version >> 8}.${version & 0xff} is older than 2.12 (needed for a 64-bit entry)`);
  const setupSects = bytes[0x1f1] || 4;
  const xloadflags = u16(bytes, 0x236);
  const header: BzImageHeader = {
    setupSects,
    version,
    relocatable: bytes[0x234] === 1,
    kernel64: (xloadflags & 1) === 1,
    initSize: u32(bytes, 0x260),
    cmdlineSize: u32(bytes, 0x238),
    kernelAlignment: u32(bytes, 0x230),
    prefAddress: u32(bytes, 0x258) + u32(bytes, 0x25c) * 2 ** 32,
    payloadBytes: bytes.length - (setupSects + 1) * 512,
  };
  if (!(bytes[0x211]! & 1)) throw new BzImageError('not loaded high (LOADED_HIGH flag clear): a zImage, not a bzImage');
  if (!header.relocatable) throw new BzImageError('not relocatable: it cannot be loaded inside a partition window');
  if (!header.kernel64) throw new BzImageError('no 64-bit entry point (XLF_KERNEL_64 clear)');
  if (header.payloadBytes <= 0) throw new BzImageError('no protected-mode payload after the setup sectors');
  if (header.initSize < header.payloadBytes) throw new BzImageError(`init_size ${header.initSize} is smaller than the payload (${header.payloadBytes})`);
  return header;
}

export interface TestImageOptions {
  /** Kernel version string embedded where the real one sits (shown in the console). */
  version?: string;
  payloadBytes?: number;
  initSize?: number;
  cmdlineSize?: number;
  protocol?: number;
}

/**
 * Writes a small bzImage that passes every check kexec makes on the setup header. It does
 * not boot real hardware (its payload is zeros): it is what tests and the simulator load.
 */
export function makeTestBzImage(options: TestImageOptions = {}): Uint8Array {
  const setupSects = 4;
  const payload = options.payloadBytes ?? 64 * 1024;
  const bytes = new Uint8Array((setupSects + 1) * 512 + payload);
  const put16 = (o: number, v: number) => ((bytes[o] = v & 0xff), (bytes[o + 1] = (v >> 8) & 0xff));
  const put32 = (o: number, v: number) => (put16(o, v & 0xffff), put16(o + 2, (v >>> 16) & 0xffff));
  bytes[0x1f1] = setupSects;
  put16(0x1fe, 0xaa55);
  bytes.set(new TextEncoder().encode('HdrS'), 0x202);
  put16(0x206, options.protocol ?? 0x020f);
  bytes[0x211] = 0x01; // LOADED_HIGH
  put32(0x230, 0x200000); // kernel_alignment: 2 MiB
  bytes[0x234] = 1; // relocatable_kernel
  put16(0x236, 0x0003); // XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G
  put32(0x238, options.cmdlineSize ?? 2047);
  put32(0x258, 0x1000000); // pref_address: 16 MiB
  put32(0x260, options.initSize ?? 32 * 1024 * 1024);
  // The kernel version string, pointed to by kernel_version (0x20e) + 0x200.
  const version = new TextEncoder().encode(`${options.version ?? '6.1.0-parker'} (parker test image)\0`);
  bytes.set(version, 0x300);
  put16(0x20e, 0x300 - 0x200);
  return bytes;
}

/** The version string a bzImage carries, as `file` shows it; null when absent. */
export function bzImageVersion(bytes: Uint8Array): string | null {
  const offset = u16(bytes, 0x20e) + 0x200;
  if (offset <= 0x200 || offset >= bytes.length) return null;
  const end = bytes.indexOf(0, offset);
  return new TextDecoder().decode(bytes.subarray(offset, end === -1 ? Math.min(bytes.length, offset + 128) : end)).split(' ')[0] ?? null;
}
