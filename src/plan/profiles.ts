import type { Profile } from '../spec/spec-schema.js';
import { formatCpuList } from '../units/cpulist.js';
import type { CmdlineParam } from './resolved-layout.js';

/**
 * How an application kernel numbers its CPUs (docs/placement.md, "CPU numbers inside an
 * application kernel"). The boot kernel fills the control structure's `apic_ids[]` walking the
 * partition's CPU mask in ascending CPU order, and starts the first (lowest) CPU as the new
 * kernel's boot CPU. The application kernel has no ACPI: it registers the APIC ids in array
 * order, and Linux gives the boot CPU's APIC id logical CPU 0 and every other APIC id the next
 * free number as it is registered. So logical CPU i is the i-th lowest CPU of `cpus`.
 * Returns host CPU -> the application kernel's CPU number.
 */
export function applicationCpuNumbers(cpus: readonly number[]): Map<number, number> {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  return new Map(sorted.map((cpu, i) => [cpu, i]));
}

/**
 * The housekeeping core's CPUs in the application kernel's own numbering: logical CPU 0 (the
 * lowest CPU of `cpus`, the kernel's boot CPU) and every SMT sibling of it that the kernel has.
 */
export function housekeepingCpus(cpus: readonly number[], siblingsOf: (cpu: number) => readonly number[] | null): number[] {
  const numbers = applicationCpuNumbers(cpus);
  const first = Math.min(...cpus);
  if (!Number.isFinite(first)) return [];
  const core = siblingsOf(first) ?? [first];
  return [...new Set([first, ...core])].map((cpu) => numbers.get(cpu)).filter((n): n is number => n !== undefined).sort((a, b) => a - b);
}

/**
 * What each profile adds to an application kernel's command line. CPU lists are in the
 * application kernel's own numbering (applicationCpuNumbers), not the machine's.
 *
 * - balanced: nothing beyond the hazard parameters.
 * - latency: the housekeeping core (logical CPU 0 and its SMT siblings in the kernel) does the
 *   housekeeping, the other CPUs run undisturbed: `nohz_full=` stops their tick while one task
 *   runs, `rcu_nocbs=` moves their RCU callbacks away (nohz_full implies it; saying it keeps
 *   kernels built without NO_HZ_FULL offloading), `irqaffinity=` keeps device interrupts on
 *   the housekeeping core by default, `skew_tick=1` staggers the per-CPU ticks. The whole
 *   housekeeping core stays out of nohz_full: its other thread shares the core's pipeline with
 *   the housekeeping work, so it could not run undisturbed anyway. No idle tuning: `idle=poll`
 *   keeps cores out of C-states, which the other kernels in the package feel (H08, an error),
 *   and an `intel_idle.max_cstate=` that differs from the boot kernel's is an H08 warning.
 * - throughput: `transparent_hugepage=always` (fewer TLB misses for large working sets).
 *   The tick already stops on idle CPUs by default (nohz=on), so nothing else is needed.
 *
 * `housekeeping` defaults to logical CPU 0 alone (a machine without SMT).
 */
export function profileParams(profile: Profile, cpuCount: number, housekeeping: readonly number[] = [0]): CmdlineParam[] {
  const reason = `profile ${profile}`;
  const param = (key: string, value: string | null): CmdlineParam => ({ key, value, source: 'profile', reason });
  switch (profile) {
    case 'balanced':
      return [];
    case 'latency': {
      const out: CmdlineParam[] = [];
      const kept = new Set(housekeeping.length ? housekeeping : [0]);
      const isolated = Array.from({ length: cpuCount }, (_, i) => i).filter((i) => !kept.has(i));
      if (isolated.length > 0) {
        const list = formatCpuList(isolated);
        out.push(param('nohz_full', list), param('rcu_nocbs', list), param('irqaffinity', formatCpuList([...kept].filter((i) => i < cpuCount))));
      }
      out.push(param('skew_tick', '1'));
      return out;
    }
    case 'throughput':
      return [param('transparent_hugepage', 'always')];
  }
}
