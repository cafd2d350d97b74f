import type { Profile } from '../spec/spec-schema.js';
import { formatCpuList } from '../units/cpulist.js';
import type { CmdlineParam } from './resolved-layout.js';

/**
 * What each profile adds to an application kernel's command line. Inside an application
 * kernel the CPUs are numbered from 0: the first CPU of its list is its boot CPU 0, the others
 * follow (ACPI is off; CPUs come from the control structure's APIC id list). So CPU lists here
 * are in the kernel's own numbering, not the machine's.
 *
 * - balanced: nothing beyond the hazard parameters.
 * - latency: CPU 0 does the housekeeping, the others run undisturbed:
 *   `nohz_full=` stops their tick while one task runs, `rcu_nocbs=` moves their RCU callbacks
 *   away (nohz_full implies it; saying it keeps kernels built without NO_HZ_FULL offloading),
 *   `irqaffinity=0` keeps device interrupts on CPU 0 by default, `skew_tick=1` staggers the
 *   per-CPU ticks. No idle tuning: `idle=poll` keeps cores out of C-states, which the other
 *   kernels in the package feel (H08, an error), and an `intel_idle.max_cstate=` that differs
 *   from the boot kernel's is an H08 warning; the generated line copies the boot kernel's.
 * - throughput: `transparent_hugepage=always` (fewer TLB misses for large working sets).
 *   The tick already stops on idle CPUs by default (nohz=on), so nothing else is needed.
 */
export function profileParams(profile: Profile, cpuCount: number): CmdlineParam[] {
  const reason = `profile ${profile}`;
  const param = (key: string, value: string | null): CmdlineParam => ({ key, value, source: 'profile', reason });
  switch (profile) {
    case 'balanced':
      return [];
    case 'latency': {
      const out: CmdlineParam[] = [];
      if (cpuCount > 1) {
        const isolated = formatCpuList(Array.from({ length: cpuCount - 1 }, (_, i) => i + 1));
        out.push(param('nohz_full', isolated), param('rcu_nocbs', isolated), param('irqaffinity', '0'));
      }
      out.push(param('skew_tick', '1'));
      return out;
    }
    case 'throughput':
      return [param('transparent_hugepage', 'always')];
  }
}
