import { Command } from 'commander';
import Table from 'cli-table3';
import { pc } from './colors.js';
import { formatCpuList } from '../units/cpulist.js';
import { formatSize } from '../units/size.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import type { Machine } from '../machines/machine.js';
import { Journal } from '../apply/journal.js';
import { ApplyLock } from '../apply/lock.js';
import { machineOptions, type MachineFlags } from '../cli/machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { outputOption, printData } from './output-format.js';
import { loadApplied } from '../service/applied-layout.js';
import { lockDirFor, stateDirOf } from '../service/state-dir.js';
import type { CommandContext } from './command-context.js';

/** Everything `parker status` shows, as data. */
export function statusData(machine: Machine, stateDir: string) {
  const applied = loadApplied(stateDir, machine.description);
  const crashed = machine.crashed?.() ?? null;
  const partitions = crashed ? [] : interfaceFor(machine.fs).readPartitions(machine.fs);
  const open = new Journal(stateDir).unfinished();
  return {
    schema: 'parker.status/v1',
    machine: machine.description,
    clockMs: machine.simulatedClock ? (machine.clock?.now() ?? null) : null,
    crashed,
    layout: applied ? { file: applied.file, appliedAt: applied.appliedAt } : null,
    unfinishedTransaction: open ? { txn: open.txn, command: open.begin.command } : null,
    lock: new ApplyLock(lockDirFor(stateDir)).holder(),
    partitions: partitions.map((p) => {
      const known = machine.partitionState?.(p.name) ?? null;
      const spec = applied?.layout.spec.kernels.find((k) => k.name === p.name);
      return {
        name: p.name,
        id: p.id,
        state: known?.state ?? (p.online ? 'online' : 'offline'),
        online: p.online,
        cpus: p.cpus,
        memory: p.memory,
        devices: p.devices,
        profile: spec?.profile ?? null,
        inLayout: spec !== undefined,
        uptimeMs: known?.onlineAt != null && p.online ? (machine.clock?.now() ?? 0) - known.onlineAt : null,
      };
    }),
    missing: (applied?.layout.placement.kernels ?? []).map((k) => k.name).filter((n) => !partitions.some((p) => p.name === n)),
    events: machine.events?.().slice(-12) ?? [],
  };
}

const STATE_COLOUR: Record<string, (s: string) => string> = { online: pc.green, hung: pc.red, halted: pc.red, stopped: pc.yellow, created: pc.yellow };

export function renderStatus(data: ReturnType<typeof statusData>): string {
  const lines = [`${pc.bold('Machine')}  ${data.machine}${data.clockMs !== null ? pc.dim(` (simulated time ${(data.clockMs / 1000).toFixed(1)} s)`) : ''}`];
  if (data.crashed) lines.push(pc.red(`CRASHED at ${(data.crashed.at / 1000).toFixed(1)} s: ${data.crashed.reason}`), 'run `parker sim reset` to start again');
  lines.push(`${pc.bold('Layout')}   ${data.layout ? `${data.layout.file}, applied ${data.layout.appliedAt}` : 'none applied'}`);
  if (data.unfinishedTransaction) lines.push(pc.yellow(`unfinished transaction "${data.unfinishedTransaction.command}": run parker recover`));
  if (data.lock) lines.push(pc.yellow(`locked by pid ${data.lock.pid} on ${data.lock.hostname}: ${data.lock.command}`));
  const t = new Table({ head: ['kernel', 'id', 'state', 'cpus', 'memory', 'devices', 'profile', 'uptime'].map((h) => pc.bold(h)), style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
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
  const command = new Command('status')
    .description('show the partitions, their state and the machine events')
    .addOption(outputOption())
    .addHelpText('after', '\nExit status: 0, or 2 usage, 3 the machine cannot be read.');
  for (const option of machineOptions()) command.addOption(option);
  return command.action((opts: MachineFlags & { output: string }) => {
    const machine = openMachine(opts);
    const data = statusData(machine, stateDirOf(opts));
    printData(opts.output, data, () => renderStatus(data), ctx.out);
  });
}
