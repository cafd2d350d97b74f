import type { Command } from 'commander';
import { makeTable } from './table.js';
import { pc } from './colors.js';
import { formatCpuList } from '../units/cpulist.js';
import { formatSize } from '../units/size.js';
import type { MachineFlags } from './machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { printData } from './output-format.js';
import { statusOf, type StatusReport } from '../service/status.js';
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
  if (data.lock) lines.push(pc.yellow(`locked by pid ${data.lock.pid} on ${data.lock.hostname}: ${data.lock.command}`));
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

export function statusCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('status')).action((opts: MachineFlags & { output: string }) => {
    const data = statusOf(openMachine(opts), stateDirOf(opts));
    printData(opts.output, data, () => renderStatus(data), ctx.out);
  });
}
