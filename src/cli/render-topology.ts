import { makeTable } from './table.js';
import { pc } from './colors.js';
import { plural } from '../units/plural.js';
import { formatCpuList } from '../units/cpulist.js';
import { formatSizeHuman } from '../units/size.js';
import type { PciDevice, Topology } from '../topology/model.js';

const table = (head: string[]) => makeTable(head);

const unknown = (v: unknown) => (v === null || v === undefined ? pc.dim('?') : String(v));
const yesNo = (v: boolean | null) => (v === null ? pc.dim('?') : v ? 'yes' : 'no');

function countBy<T>(items: T[], key: (t: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
}

function deviceName(d: PciDevice, wide: boolean): string {
  const ids = d.vendor === null ? '' : `${d.vendor.toString(16).padStart(4, '0')}:${(d.device ?? 0).toString(16).padStart(4, '0')}`;
  const name = [d.vendorName, d.deviceName].filter(Boolean).join(' ');
  // pci.ids names can be long; the JSON keeps them whole.
  const short = !wide && name.length > 48 ? `${name.slice(0, 47)}…` : name;
  return short ? `${ids} ${short}` : ids;
}

/** The readable summary of `parker discover`: what hwloc's lstopo and numactl -H tell, in one page. */
export function renderTopology(t: Topology, wide = false): string {
  const lines: string[] = [];
  const llcs = new Set(t.cpu.map((c) => c.llc).filter((x) => x !== null));
  const threads = t.cores.length > 0 ? Math.max(...t.cores.map((c) => c.cpus.length)) : null;
  lines.push(`${pc.bold('Machine')}  ${t.machine.description} (${t.machine.kind})${t.machine.arch ? `, ${t.machine.arch}` : ''}`);
  if (t.kernel.release) lines.push(`${pc.bold('Kernel')}   ${t.kernel.release}`);
  if (t.kernel.cmdline !== null) lines.push(`${pc.bold('Cmdline')}  ${t.kernel.cmdline}`);
  lines.push(
    `${pc.bold('CPUs')}     ${t.cpus.possible.length} possible, ${t.cpus.online.length} online (${formatCpuList(t.cpus.online)})` +
      (t.cpus.offline.length ? `, offline ${formatCpuList(t.cpus.offline)}` : ''),
  );
  lines.push(
    `${pc.bold('Layout')}   ${plural(t.packages.length, 'package')}, ${plural(t.nodes.length, 'NUMA node')}, ${plural(llcs.size, 'last-level cache')}, ` +
      `${plural(t.cores.length, 'core')}, ${threads === null ? '?' : plural(threads, 'thread')} per core`,
  );
  lines.push(`${pc.bold('Parker')}   ${t.parker.controlFs ? `control filesystem mounted, ${plural(t.parker.partitions.length, 'partition')}` : 'no control filesystem (not a Parker boot kernel)'}`);
  lines.push('');

  const nodes = table(['node', 'cpus', 'memory', 'cores', 'LLCs', 'distances']);
  for (const n of t.nodes) {
    const cores = t.cores.filter((c) => c.node === n.id).length;
    const nodeLlcs = new Set(t.cpu.filter((c) => c.node === n.id && c.llc !== null).map((c) => c.llc));
    nodes.push([
      n.id,
      n.cpus.length ? formatCpuList(n.cpus) : pc.dim('(memory only)'),
      n.memoryBytes === null ? pc.dim('?') : formatSizeHuman(n.memoryBytes),
      cores,
      nodeLlcs.size,
      t.nodes.map((m) => n.distances[String(m.id)] ?? '?').join(' '),
    ]);
  }
  lines.push(pc.bold('NUMA nodes'), nodes.toString(), '');

  const llcTable = table(['cache', 'size', 'cpus']);
  for (const index of [...llcs].sort((a, b) => a! - b!)) {
    const c = t.caches[index!]!;
    llcTable.push([`L${c.level} ${c.type.toLowerCase()}${c.id === null ? '' : ` #${c.id}`}`, c.sizeBytes === null ? pc.dim('?') : formatSizeHuman(c.sizeBytes), formatCpuList(c.cpus)]);
  }
  if (llcs.size) lines.push(pc.bold('Last-level caches'), llcTable.toString(), '');

  const m = t.memory;
  const blocks = m.blocks.length
    ? `${m.blocks.length} blocks of ${m.blockSizeBytes === null ? '?' : formatSizeHuman(m.blockSizeBytes)} (${countBy(m.blocks, (b) => b.state ?? 'unknown')}; zones: ${countBy(m.blocks, (b) => b.zones.join('/') || (b.state === 'online' ? 'spanning zones' : 'unknown'))})`
    : 'no memory block files';
  lines.push(`${pc.bold('Memory')}   ${m.totalBytes === null ? '?' : formatSizeHuman(m.totalBytes)} in ${blocks}`);
  if (m.reserved.length) lines.push(`         ${m.reserved.length} reserved ranges in /proc/iomem`);
  if (t.cma.length) lines.push(`${pc.bold('CMA')}      ${t.cma.map((a) => `${a.name}${a.totalPages === null ? '' : ` ${formatSizeHuman(a.totalPages * 4096)}`}`).join(', ')}`);
  lines.push('');

  if (t.pci.length) {
    const pci = table(['address', 'class', 'device', 'node', 'iommu', 'driver', 'msi/msi-x', 'notes']);
    for (const d of t.pci) {
      const notes = [d.bridge ? 'bridge' : '', d.sriov ? `sr-iov ${d.sriov.numVfs}/${d.sriov.totalVfs}` : '', d.parent ? `behind ${d.parent}` : '', d.enabled === false ? 'disabled' : '']
        .filter(Boolean)
        .join(', ');
      pci.push([d.address, unknown(d.className), deviceName(d, wide), unknown(d.node), unknown(d.iommuGroup), unknown(d.driver), `${yesNo(d.msi)}/${yesNo(d.msix)}`, notes]);
    }
    lines.push(pc.bold(`PCI devices (${t.pci.length})`), pci.toString(), '');
  }
  return lines.join('\n');
}
