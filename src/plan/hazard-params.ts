import { lookup } from './cmdline-params.js';
import type { CmdlineItem } from './cmdline-params.js';
import type { CmdlineParam } from './resolved-layout.js';

/**
 * The parameters every application kernel gets so that it leaves machine-global state alone
 * (docs/hazards.md). Each carries the hazard it answers; the hazard rules check the same
 * parameters on the effective command lines, so a user addition that undoes one is reported
 * there, once, with the hazard id.
 */
export const RDT_DISABLED = ['!l3cat', '!l2cat', '!mba', '!cmt', '!mbmtotal', '!mbmlocal'] as const;

const FIXED: readonly (readonly [key: string, value: string | null, hazard: string])[] = [
  ['panic', '0', 'H10'],
  ['nmi_watchdog', '0', 'H11'],
  // ignore_ce also turns off CMCI and the polling timer, so the banks other kernels share are left alone.
  ['mce', 'ignore_ce', 'H06'],
  ['dis_ucode_ldr', null, 'H05'],
  ['tsc', 'reliable', 'H09'],
  ['clocksource', 'tsc', 'H09'],
  ['rdt', RDT_DISABLED.join(','), 'H04'],
  ['efi', 'noruntime', 'H17'],
  ['pci', 'noaer', 'H15'],
  ['pcie_aspm', 'off', 'H15'],
  ['intel_pstate', 'passive', 'H08'],
  ['mem_encrypt', 'off', 'H03'],
  // Distribution kernels often build the MTRR sanitizer enabled by default; it rewrites MTRRs at boot.
  ['disable_mtrr_cleanup', null, 'H18'],
];

/**
 * Settings every kernel must share with the boot kernel: copied from the boot kernel's command
 * line when it has them. Keys as the kernel spells them, by hazard.
 */
export const SHARED_WITH_BOOT: Readonly<Record<string, readonly string[]>> = {
  H02: ['split_lock_detect'],
  H19: [
    'mitigations',
    'tsx',
    'nosmt',
    'spectre_v2',
    'spectre_v2_user',
    'spec_store_bypass_disable',
    'nospectre_v2',
    'nospec_store_bypass_disable',
    'retbleed',
    'spec_rstack_overflow',
    'gather_data_sampling',
  ],
  H20: ['no5lvl'],
  H08: ['intel_idle.max_cstate'],
  H09: ['tsc_early_khz'],
};

/** Keys of SHARED_WITH_BOOT in the order they are generated. */
const SHARED_ORDER: readonly (readonly [hazard: string, key: string])[] = [
  ['H02', 'split_lock_detect'],
  ...SHARED_WITH_BOOT.H19!.map((key) => ['H19', key] as const),
  ['H20', 'no5lvl'],
  ['H08', 'intel_idle.max_cstate'],
  ['H09', 'tsc_early_khz'],
];

/** The hazard parameters of one application kernel, given the boot kernel's effective parameters. */
export function hazardParams(bootParams: readonly CmdlineItem[]): CmdlineParam[] {
  const out: CmdlineParam[] = FIXED.map(([key, value, hazard]) => ({ key, value, source: 'hazard', reason: hazard }));
  for (const [hazard, key] of SHARED_ORDER) {
    const found = lookup(bootParams, key);
    if (found !== undefined) out.push({ key, value: found.value, source: 'hazard', reason: hazard });
  }
  return out;
}
