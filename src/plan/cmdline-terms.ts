import type { CmdlineParam } from './resolved-layout.js';

/**
 * What a kernel interface asks of every application kernel's command line: the parameters it
 * writes itself (placeholders filled in when the image is loaded), and the keys nobody else
 * may write because a wrong value hands the kernel memory or a control page not its own.
 */
export interface CmdlineTerms {
  params: readonly CmdlineParam[];
  reservedKeys: readonly string[];
  /** Why the reserved keys are reserved, for the error that names one. */
  reservedWhy: string;
}
