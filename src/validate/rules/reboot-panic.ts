import { lookup } from '../../plan/cmdline-params.js';
import type { Finding, Rule } from '../rule.js';
import { applicationLines, cmdlinePath, kernelLabel, removalFix } from '../kernel-lines.js';

/**
 * H10: every reset method resets the whole machine, and kdump's NMI shootdown is broadcast.
 * Application kernels halt on panic (`panic=0`, error otherwise) and load no crash kernel
 * (`crashkernel=`, error); `reboot=` picks a reset method, which is the whole machine's
 * (warning: an ordinary reboot inside a Parker kernel powers it off instead).
 */
export const rebootPanicRule: Rule = {
  id: 'reboot-panic',
  hazard: 'H10',
  description: 'application kernels halt on panic and never reset the machine',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    const report = (severity: 'error' | 'warning', line: { name: string; index: number | null }, message: string, fix: string) =>
      out.push({ severity, message, fix, path: cmdlinePath(line), kernels: [line.name] });
    for (const line of applicationLines(ctx)) {
      const panic = lookup(line.params, 'panic');
      if (panic === undefined) {
        report('error', line, `${kernelLabel(line)} has no panic=0: after a panic it may reboot, which resets every kernel on the machine`, `add panic=0 to the cmdline of ${kernelLabel(line)}`);
      } else if (!/^0+$/.test(panic.value ?? '')) {
        report(
          'error',
          line,
          `${kernelLabel(line)} has panic=${panic.value ?? ''}: it would reboot after a panic, which resets every kernel on the machine`,
          `${removalFix(line, panic)} (parker sets panic=0: halt on panic)`,
        );
      }
      const crash = lookup(line.params, 'crashkernel');
      if (crash) {
        report(
          'error',
          line,
          `${kernelLabel(line)} has crashkernel=${crash.value ?? ''}: on a panic kdump would stop CPUs with NMIs and boot a kernel that does not know it is a partition`,
          removalFix(line, crash),
        );
      }
      const reboot = lookup(line.params, 'reboot');
      if (reboot) {
        report('warning', line, `${kernelLabel(line)} has reboot=${reboot.value ?? ''}: any reset method it picks resets the whole machine`, removalFix(line, reboot));
      }
    }
    return out;
  },
};
