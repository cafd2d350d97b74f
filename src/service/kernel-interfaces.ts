import type { KernelFs } from '../machines/machine.js';
import type { KernelInterface } from '../interfaces/kernel-interface.js';
import { parkerInterface } from '../interfaces/parker/index.js';

/** Every kernel interface parker speaks; the first is the default. */
export const KERNEL_INTERFACES: readonly KernelInterface[] = [parkerInterface];

/** The interface a machine's kernel offers, or the default when it offers none yet. */
export function interfaceFor(fs: KernelFs): KernelInterface {
  return KERNEL_INTERFACES.find((i) => i.present(fs)) ?? KERNEL_INTERFACES[0]!;
}
