import { ParkerError } from '../../units/parker-error.js';
import { formatSize } from '../../units/size.js';
import type { Machine } from '../../machines/machine.js';
import { runKernelOp, type KernelOp } from '../../apply/kernel-ops.js';
import type { Intent } from '../../plan/intent.js';
import { CONTROL_STRUCTURE_PLACEHOLDER, MEMMAP_PLACEHOLDER } from './cmdline.js';
import { lowerParker } from './lower.js';
import { partitionFile } from './paths.js';
import { readOptional, readPartition } from './read-partitions.js';
import { checkHandOver, checkNotStarting, checkStart, checkStartWrite } from './safety.js';

/**
 * Fills a kexec load from the partition's own files: `parker=` gets its control page, `memmap=`
 * its range, and the image must land inside that range (kexec-tools --mem-min/--mem-max).
 */
function resolveLoad(machine: Machine, partition: string, op: Extract<KernelOp, { kind: 'kexec-load' }>): KernelOp {
  const have = readPartition(machine.fs, partition);
  if (!have.memory) {
    throw new ParkerError('E_APPLY', `${partitionFile(partition, 'memory')} shows no memory: nothing to load the kernel into`, 'check the memory step');
  }
  if (!have.controlStructure) throw new ParkerError('E_APPLY', `${partitionFile(partition, 'control_structure')} is empty`, 'check the partition');
  const size = have.memory.end - have.memory.start + 1;
  const memmap = `${formatSize(size)}@0x${have.memory.start.toString(16)}`;
  const cmdline = op.load.cmdline.replaceAll(CONTROL_STRUCTURE_PLACEHOLDER, have.controlStructure).replaceAll(MEMMAP_PLACEHOLDER, memmap);
  return { kind: 'kexec-load', load: { ...op.load, cmdline, window: { start: have.memory.start, end: have.memory.end } } };
}

/** What must hold before an intent's writes (safety.ts): each guards a write that takes the machine down. */
function checkBefore(machine: Machine, intent: Intent): void {
  switch (intent.kind) {
    case 'hand-over-device':
      checkNotStarting(machine, intent.partition, 'hand a device to');
      return checkHandOver(machine.fs, intent.partition, intent.device);
    case 'start':
      return checkStart(machine, intent.partition, { ...(intent.console ? { console: intent.console } : {}), ...(intent.ready ? { ready: true } : {}) });
    case 'wait-online':
      return checkStartWrite(machine, intent.partition);
    case 'stop':
      checkNotStarting(machine, intent.partition, 'stop');
      // Without a stop command nothing can make it power off: waiting would only end in a
      // timeout minutes later (a rollback undoing its start). Refused at once while it runs.
      if (intent.command === null && readOptional(machine.fs, partitionFile(intent.partition, 'online')) === '1') {
        throw new ParkerError('E_CANNOT_STOP', `${intent.partition} runs, and no stop command is known for it: parker cannot ask it to power off, so it is left running`, `power ${intent.partition} off from inside, then parker destroy ${intent.partition}; give it stop: { command: [...] } in the layout`);
      }
      return;
    case 'remove-partition':
      return checkNotStarting(machine, intent.partition, 'remove');
    case 'take-back-device':
      return checkNotStarting(machine, intent.partition, 'take a device back from');
    default:
      return;
  }
}

export async function performParker(machine: Machine, intent: Intent): Promise<void> {
  checkBefore(machine, intent);
  for (const op of lowerParker(intent)) {
    await runKernelOp(machine, op.kind === 'kexec-load' && intent.kind === 'load-image' ? resolveLoad(machine, intent.partition, op) : op);
  }
}
