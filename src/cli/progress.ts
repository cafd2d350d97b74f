import { pc } from './colors.js';
import type { ApplyEvent } from '../apply/execute.js';
import type { Step } from '../plan/step.js';


const ms = (n: number) => (n < 1000 ? `${n.toFixed(n < 10 ? 1 : 0)} ms` : `${(n / 1000).toFixed(2)} s`);

/**
 * One line per step with its duration. On a terminal the running step shows first and is
 * replaced by its result; in logs and pipes each line is written once, when the step ends.
 */
export function progressPrinter(write: (text: string) => void, live: boolean, verbose = false, simulated: () => boolean = () => false): (event: ApplyEvent) => void {
  // On the simulator a stop command is not run anywhere: say so where it shows.
  const summary = (step: Step) => (simulated() && step.intent.kind === 'stop' && step.intent.command ? `${step.summary} (simulated)` : step.summary);
  return (event) => {
    switch (event.type) {
      case 'step-start':
        if (live) write(`${pc.dim(`[${event.index}/${event.total}]`)} ${event.step.kernel}: ${summary(event.step)} ...`);
        else if (verbose) write(`.. [${event.index}/${event.total}] ${event.step.kernel}: ${summary(event.step)}\n`);
        return;
      case 'step-done': {
        const line = `[${event.index}/${event.total}] ${event.step.kernel}: ${summary(event.step)} (${ms(event.ms)})`;
        write(live ? `\r\x1b[2K${pc.green('ok')} ${line}\n` : `ok ${line}\n`);
        return;
      }
      case 'step-failed': {
        const line = `[${event.index}/${event.total}] ${event.step.kernel}: ${summary(event.step)} (${ms(event.ms)}): ${event.error}`;
        write(live ? `\r\x1b[2K${pc.red('FAILED')} ${line}\n` : `FAILED ${line}\n`);
        return;
      }
      case 'undo-done':
        write(`undo ${event.step.kernel}: ${event.summary} (${ms(event.ms)})\n`);
        return;
      case 'undo-failed':
        write(`${live ? pc.red('UNDO FAILED') : 'UNDO FAILED'} ${event.step.kernel}: ${event.error}\n`);
        return;
      case 'undo-start':
        return;
    }
  };
}
