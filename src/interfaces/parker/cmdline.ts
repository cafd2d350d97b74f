import type { CmdlineTerms } from '../../plan/cmdline-terms.js';

/** Filled in from the partition's own files when its image is loaded. */
export const CONTROL_STRUCTURE_PLACEHOLDER = '<control_structure>';
export const MEMMAP_PLACEHOLDER = '<memmap>';

/**
 * Parker finds its control page through `parker=`, the application kernel must see only
 * its own memory (`memmap=exactmap memmap=SIZE@BASE`), and must not move its image (`nokaslr`).
 */
export const PARKER_CMDLINE: CmdlineTerms = {
  params: [
    { key: 'parker', value: CONTROL_STRUCTURE_PLACEHOLDER, source: 'parker', reason: 'control structure address' },
    { key: 'memmap', value: 'exactmap', source: 'parker', reason: 'memory range' },
    { key: 'memmap', value: MEMMAP_PLACEHOLDER, source: 'parker', reason: 'memory range' },
    // Without it the kexec'd kernel decompresses to a random physical address, outside its
    // partition (measured: in 2 of 3 boots inside the boot kernel's memory).
    { key: 'nokaslr', value: null, source: 'parker', reason: 'image stays inside its memory' },
  ],
  reservedKeys: ['parker', 'memmap'],
  reservedWhy: 'parker writes parker= and memmap= itself (its control structure and its memory range); another value would make it use memory that is not its own',
};
