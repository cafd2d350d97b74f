import type { Command } from 'commander';
import { pc } from './colors.js';
import { formatDiagnostic, type LocatedDiagnostic } from '../spec/format-diagnostic.js';
import type { Locate } from '../spec/source-map.js';
import type { MachineFlags } from './machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { printData } from './output-format.js';
import { allDiagnostics } from '../service/layout-input.js';
import { countBySeverity, validateLayout } from '../service/validate.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import { EXIT } from './exit-codes.js';
import type { CommandContext } from './command-context.js';

/** Exit status of validate: 0 clean (notes allowed), 1 errors, 4 warnings but no errors. */
export function validateExitCode(diagnostics: readonly LocatedDiagnostic[]): number {
  const { errors, warnings } = countBySeverity(diagnostics);
  return errors > 0 ? EXIT.invalid : warnings > 0 ? EXIT.warnings : EXIT.ok;
}

export function renderDiagnostics(diagnostics: readonly LocatedDiagnostic[], locate: Locate): string {
  const colour = { error: pc.red, warning: pc.yellow, info: pc.cyan } as const;
  return diagnostics
    .map((d) => {
      const text = formatDiagnostic(d, locate);
      return text.replace(` ${d.severity} `, ` ${colour[d.severity](d.severity)} `);
    })
    .join('\n');
}

export function summaryLine(diagnostics: readonly LocatedDiagnostic[]): string {
  const { errors, warnings, infos } = countBySeverity(diagnostics);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${plural(infos, 'note')}`;
}

export function validateCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('validate')).action((file: string, opts: MachineFlags & { output: string }) => {
    const machine = openMachine(opts);
    const { report, input } = validateLayout(file, machine);
    const diagnostics = allDiagnostics(input);
    printData(opts.output, report, () => {
      const body = diagnostics.length ? renderDiagnostics(diagnostics, input.loaded.locate) + '\n' : '';
      return `${body}${file} on ${machine.description}: ${summaryLine(diagnostics)}\n`;
    }, ctx.out);
    ctx.setExitCode(validateExitCode(diagnostics));
  });
}
