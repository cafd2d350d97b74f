import type { CmdlineTerms } from '../../plan/cmdline-terms.js';

/** Filled in from the partition's own files when its image is loaded. */
export const CONTROL_STRUCTURE_PLACEHOLDER = '<control_structure>';
export const MEMMAP_PLACEHOLDER = '<memmap>';

/**
 * Parker finds its control page through `parker=`, and the application kernel must see only
 * its own memory (`memmap=exactmap memmap=SIZE@BASE`).
 */
export const PARKER_CMDLINE: CmdlineTerms = {
  params: [
    { key: 'parker', value: CONTROL_STRUCTURE_PLACEHOLDER, source: 'parker', reason: 'control structure address' },
    { key: 'memmap', value: 'exactmap', source: 'parker', reason: 'memory range' },
    { key: 'memmap', value: MEMMAP_PLACEHOLDER, source: 'parker', reason: 'memory range' },
  ],
  reservedKeys: ['parker', 'memmap'],
  reservedWhy: 'parker writes parker= and memmap= itself (its control structure and its memory range); another value would make it use memory that is not its own',
};
