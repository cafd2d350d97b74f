import { makeTable } from './table.js';
import { pc } from './colors.js';
import { formatCpuList } from '../units/cpulist.js';
import { formatSize } from '../units/size.js';
import type { Plan } from '../plan/plan-types.js';
import type { ResolvedLayout } from '../plan/resolved-layout.js';
import type { Topology } from '../topology/model.js';

const compactTable = (head: string[]) => makeTable(head);

export function renderPlacement(layout: ResolvedLayout, topology: Topology, firstFit: number | null): string {
  const t = compactTable(['kernel', 'profile', 'cpus', 'nodes', 'LLCs', 'split cores', 'memory (node)', 'devices', 'remote devices']);
  for (const k of layout.placement.kernels) {
    const spec = layout.spec.kernels[k.index]!;
    t.push([
      k.name,
      spec.profile,
      `${formatCpuList(k.cpus)} (${k.cpus.length})`,
      k.quality.nodes.join(','),
      k.quality.llcs.length,
      k.quality.splitCores,
      `${formatSize(k.memoryBytes)} (${k.memoryNode ?? '?'})`,
      k.devices.join(' ') || '-',
      k.quality.remoteDevices.join(' ') || '-',
    ]);
  }
  const boot = layout.placement.boot;
  const lines = [
    pc.bold('Placement'),
    t.toString(),
    `boot kernel keeps CPUs ${formatCpuList(boot.cpus)} (${boot.cpus.length} of ${topology.cpus.possible.length}) and devices ${boot.devices.join(' ') || '-'}`,
    `layout score ${layout.placement.score} (lower is better)` + (firstFit === null ? '' : `; a first-fit placement would score ${firstFit}`),
  ];
  return lines.join('\n');
}

export function renderCmdlines(layout: ResolvedLayout): string {
  const lines = [pc.bold('Command lines'), ...layout.cmdlines.map((c) => `  ${pc.bold(c.name)}: ${c.text}`)];
  lines.push(`  ${pc.dim('<control_structure> and <memmap> are read from the partition once its memory is allocated')}`);
  return lines.join('\n');
}

export function renderBootChanges(plan: Plan): string {
  if (plan.bootChanges.length === 0) return `${pc.bold('Boot kernel')}: its command line already has what this layout needs`;
  return [
    pc.bold('Boot kernel changes') + pc.dim(' (add to its command line and reboot it; parker never reboots the boot kernel)'),
    ...plan.bootChanges.map((p) => `  ${pc.yellow('~')} ${p.value === null ? p.key : `${p.key}=${p.value}`}${p.reason ? pc.dim(`  (${p.reason})`) : ''}`),
  ].join('\n');
}
