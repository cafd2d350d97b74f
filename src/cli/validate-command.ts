import { Command } from 'commander';
import { pc } from './colors.js';
import { formatDiagnostic, locateDiagnostic, type LocatedDiagnostic } from '../spec/format-diagnostic.js';
import type { Locate } from '../spec/source-map.js';
import { machineOptions, type MachineFlags } from '../cli/machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { outputOption, printData } from './output-format.js';
import { allDiagnostics, readLayout } from '../service/layout-input.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import { EXIT } from './exit-codes.js';
import type { CommandContext } from './command-context.js';

export function countBySeverity(diagnostics: readonly LocatedDiagnostic[]) {
  return {
    errors: diagnostics.filter((d) => d.severity === 'error').length,
    warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    infos: diagnostics.filter((d) => d.severity === 'info').length,
  };
}

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

export function diagnosticsData(diagnostics: readonly LocatedDiagnostic[], locate: Locate) {
  return diagnostics.map((d) => ({ ...d, location: locateDiagnostic(d, locate) }));
}

export function validateCommand(ctx: CommandContext): Command {
  const command = new Command('validate')
    .description('check a layout against a machine: schema, resources, placement and the hazards H01-H25')
    .argument('<layout>', 'layout YAML file')
    .addOption(outputOption())
    .addHelpText('after', '\nExit status: 0 no problems (notes allowed), 1 errors, 4 warnings but no errors, 2 usage, 3 unreadable file.');
  for (const option of machineOptions()) command.addOption(option);
  return command.action((file: string, opts: MachineFlags & { output: string }) => {
    const machine = openMachine(opts);
    const input = readLayout(file, machine, interfaceFor(machine.fs));
    const diagnostics = allDiagnostics(input);
    const data = {
      file,
      machine: machine.description,
      ...countBySeverity(diagnostics),
      diagnostics: diagnosticsData(diagnostics, input.loaded.locate),
    };
    printData(opts.output, data, () => {
      const body = diagnostics.length ? renderDiagnostics(diagnostics, input.loaded.locate) + '\n' : '';
      return `${body}${file} on ${machine.description}: ${summaryLine(diagnostics)}\n`;
    }, ctx.out);
    ctx.setExitCode(validateExitCode(diagnostics));
  });
}
