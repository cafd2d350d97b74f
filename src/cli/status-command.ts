import type { Command } from 'commander';
import { makeTable } from './table.js';
import { pc } from './colors.js';
import { formatCpuList } from '../units/cpulist.js';
import { formatSize } from '../units/size.js';
import type { MachineFlags } from './machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { printData } from './output-format.js';
import { kernelStatusOf, statusOf, type KernelStatusReport, type StatusReport } from '../service/status.js';
import { stateDirOf } from '../service/state-dir.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import type { CommandContext } from './command-context.js';

const STATE_COLOUR: Record<string, (s: string) => string> = { online: pc.green, hung: pc.red, halted: pc.red, stopped: pc.yellow, created: pc.yellow };

export function renderStatus(data: StatusReport): string {
  const lines = [`${pc.bold('Machine')}  ${data.machine}${data.clockMs !== null ? pc.dim(` (simulated time ${(data.clockMs / 1000).toFixed(1)} s)`) : ''}`];
  if (data.crashed) lines.push(pc.red(`CRASHED at ${(data.crashed.at / 1000).toFixed(1)} s: ${data.crashed.reason}`), 'run `parker sim reset` to start again');
  lines.push(`${pc.bold('Layout')}   ${data.layout ? `${data.layout.file}, applied ${data.layout.appliedAt}` : 'none applied'}`);
  if (data.unfinishedTransaction) lines.push(pc.yellow(`unfinished transaction "${data.unfinishedTransaction.command}": run parker recover`));
  if (data.applyRunning) lines.push(pc.yellow(`running now: "${data.applyRunning.command}", pid ${data.applyRunning.pid} on ${data.applyRunning.hostname} since ${data.applyRunning.since}`));
  // A lock whose holder lives is the running line above; one left here is stale.
  else if (data.lock) lines.push(pc.dim(`lock left by pid ${data.lock.pid} on ${data.lock.hostname} ("${data.lock.command}"), which has ended: the next change takes it over`));
  for (const problem of data.stateProblems) lines.push(pc.red(`${problem.code}: ${problem.message}`) + (problem.hint ? `\n  ${pc.dim('fix:')} ${problem.hint}` : ''));
  const t = makeTable(['kernel', 'id', 'state', 'cpus', 'memory', 'devices', 'profile', 'uptime']);
  for (const p of data.partitions) {
    t.push([
      p.name + (p.inLayout ? '' : pc.dim(' (not in layout)')),
      p.id ?? '?',
      (STATE_COLOUR[p.state] ?? ((s: string) => s))(p.state),
      `${formatCpuList(p.cpus)} (${p.cpus.length})`,
      p.memory ? `${formatSize(p.memory.end - p.memory.start + 1)}@0x${p.memory.start.toString(16)}` : '-',
      p.devices.join(' ') || '-',
      p.profile ?? '-',
      p.uptimeMs === null ? '-' : `${(p.uptimeMs / 1000).toFixed(1)} s`,
    ]);
  }
  lines.push('', data.partitions.length ? t.toString() : 'no partitions');
  if (data.missing.length) lines.push(pc.yellow(`in the layout but not on the machine: ${data.missing.join(', ')}`));
  if (data.events.length) {
    lines.push('', pc.bold('Events'));
    for (const e of data.events) {
      const colour = e.severity === 'error' ? pc.red : e.severity === 'warning' ? pc.yellow : pc.dim;
      lines.push(`  ${(e.at / 1000).toFixed(1).padStart(8)} s ${colour(e.severity.padEnd(7))} ${e.hazard ? `${e.hazard} ` : ''}${e.message}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function renderKernelStatus(k: KernelStatusReport): string {
  const row = (label: string, value: string) => `${pc.bold(label.padEnd(10))} ${value}`;
  const p = k.partition;
  const lines = [row('Kernel', `${k.name}${k.inLayout ? '' : pc.dim(' (not in the applied layout)')}`), row('Machine', k.machine)];
  lines.push(row('State', p ? (STATE_COLOUR[p.state] ?? ((s: string) => s))(p.state) : pc.yellow('no partition (in the layout, not on the machine)')));
  if (p) {
    lines.push(
      row('Partition', `id ${p.id ?? '?'}`),
      row('CPUs', `${formatCpuList(p.cpus)} (${p.cpus.length})`),
      row('Memory', p.memory ? `${formatSize(p.memory.end - p.memory.start + 1)}@0x${p.memory.start.toString(16)}` : '-'),
      row('Uptime', p.uptimeMs === null ? '-' : `${(p.uptimeMs / 1000).toFixed(1)} s`),
    );
  }
  if (k.layout) {
    lines.push(row('Profile', k.layout.profile), row('Image', k.layout.image + (k.layout.initrd ? ` (initrd ${k.layout.initrd})` : '')), row('Cmdline', k.layout.cmdline ?? '-'));
    lines.push(row('Stop', k.layout.stop ? JSON.stringify(k.layout.stop) : pc.dim('no stop command: the kernel must power itself off')));
  }
  lines.push('', pc.bold('Devices'));
  if (k.devices.length === 0) lines.push('  none');
  else {
    const t = makeTable(['address', 'class', 'node', 'iommu', 'boot driver']);
    for (const d of k.devices) t.push([d.address, d.class ?? '?', d.node ?? '-', d.iommuGroup ?? '-', d.bootDriver ?? '-']);
    lines.push(t.toString());
  }
  if (k.events.length) {
    lines.push('', pc.bold('Events'));
    for (const e of k.events) lines.push(`  ${(e.at / 1000).toFixed(1).padStart(8)} s ${e.severity.padEnd(7)} ${e.hazard ? `${e.hazard} ` : ''}${e.message}`);
  }
  lines.push('', pc.bold(`Console (last ${k.console.length} lines)`), ...(k.console.length ? k.console.map((l) => `  ${l}`) : ['  none']));
  return lines.join('\n') + '\n';
}

export function statusCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('status')).action((name: string | undefined, opts: MachineFlags & { output: string }) => {
    const machine = openMachine(opts);
    if (name !== undefined) {
      const kernel = kernelStatusOf(machine, stateDirOf(opts), name);
      printData(opts.output, kernel, () => renderKernelStatus(kernel), ctx.out);
      return;
    }
    const data = statusOf(machine, stateDirOf(opts));
    // A machine whose kernel has no Parker shows no partitions for that reason: say it.
    const noParker = !machine.fs.exists('sys/fs/parker');
    printData(opts.output, data, () => renderStatus(data) + (noParker ? pc.yellow(`${machine.description} has no /sys/fs/parker (no Parker kernel, or its control filesystem is not mounted): it can have no partitions\n`) : ''), ctx.out);
  });
}
