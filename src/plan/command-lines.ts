import type { Diagnostic } from '../spec/diagnostic.js';
import type { KernelSpec, LayoutSpec } from '../spec/spec-schema.js';
import type { Topology } from '../topology/model.js';
import { buildBootCmdline, effectiveBootItems } from './boot-cmdline.js';
import { END_OF_KERNEL_PARAMS, hasUnbalancedQuote, parseCmdline, renderCmdline, renderItem, sameKey } from './cmdline-params.js';
import type { CmdlineItem } from './cmdline-params.js';
import { hazardParams } from './hazard-params.js';
import { housekeepingCpus, profileParams } from './profiles.js';
import type { BootCmdline, CmdlineParam, KernelCmdline, Placement } from './resolved-layout.js';
import { CONSOLE_BAUD, serialPortsOf } from './serial-ports.js';

import type { CmdlineTerms } from './cmdline-terms.js';

export interface CommandLines {
  cmdlines: KernelCmdline[];
  boot: BootCmdline;
  diagnostics: Diagnostic[];
}

/**
 * Each application kernel's command line, in this order: the kernel interface's own parameters
 * (`terms`: for Parker `parker=` and `memmap=`, filled in at apply time), its serial console, the hazard parameters (hazard-params.ts), its profile's
 * parameters, then the user's `cmdline`. And the boot kernel's needed parameters.
 *
 * Conflicts reported here: the user writing a key the interface reserves (error), a second serial
 * console (warning), replacing a profile parameter (warning: the user's value is used instead).
 * The user's parameters are otherwise appended as written: a value that undoes a hazard
 * parameter stays in the line and is reported by that hazard's rule, which knows whether the
 * value is harmful, so each problem is reported once. Pure.
 */
export function buildCommandLines(spec: LayoutSpec, placement: Placement, topology: Topology, terms: CmdlineTerms): CommandLines {
  const diagnostics: Diagnostic[] = [];
  const bootItems = effectiveBootItems(topology.kernel.cmdline, spec.boot.cmdline);
  const consoles = assignConsoles(spec, bootItems);
  const hazards = hazardParams(bootItems);
  const siblings = new Map<number, readonly number[]>();
  for (const core of topology.cores) for (const cpu of core.cpus) siblings.set(cpu, core.cpus);
  const cmdlines = spec.kernels.map((kernel, index) => {
    const cpus = (placement.kernels.find((k) => k.index === index) ?? placement.kernels.find((k) => k.name === kernel.name))?.cpus ?? [];
    const housekeeping = kernel.profile === 'latency' ? housekeepingCpus(cpus, (cpu) => siblings.get(cpu) ?? null) : [0];
    return kernelCmdline(kernel, index, consoles[index]!, hazards, new Set(cpus).size, housekeeping, terms, diagnostics);
  });
  const boot = buildBootCmdline(spec, placement, topology);
  return { cmdlines, boot: boot.boot, diagnostics: [...diagnostics, ...boot.diagnostics] };
}

interface ConsoleChoice {
  port: string;
  /** Generate `console=`; false when the user's cmdline already names this port. */
  generate: boolean;
}

/**
 * One serial port per kernel, never shared (H17). The spec's `console` first; else a port the
 * user's cmdline names; else the lowest ttyS1, ttyS2, ... that neither the boot kernel nor any
 * other kernel uses (earlyprintk= and earlycon= ports count as used). ttyS0 stays the boot
 * kernel's even when its command line names no console.
 */
function assignConsoles(spec: LayoutSpec, bootItems: readonly CmdlineItem[]): ConsoleChoice[] {
  const userItems = spec.kernels.map((k) => parseCmdline(k.cmdline));
  const taken = new Set<string>(['ttyS0', ...serialPortsOf(bootItems)]);
  spec.kernels.forEach((k, i) => {
    if (k.console !== undefined) taken.add(k.console);
    for (const port of serialPortsOf(userItems[i]!)) taken.add(port);
  });
  let next = 1;
  return spec.kernels.map((k, i) => {
    if (k.console !== undefined) return { port: k.console, generate: true };
    const named = serialPortsOf(userItems[i]!.filter((p) => sameKey(p.key, 'console')))[0];
    if (named !== undefined) return { port: named, generate: false };
    while (taken.has(`ttyS${next}`)) next++;
    const port = `ttyS${next}`;
    taken.add(port);
    return { port, generate: true };
  });
}

function kernelCmdline(
  kernel: KernelSpec,
  index: number,
  console: ConsoleChoice,
  hazards: readonly CmdlineParam[],
  cpuCount: number,
  housekeeping: readonly number[],
  terms: CmdlineTerms,
  out: Diagnostic[],
): KernelCmdline {
  const path = ['kernels', index, 'cmdline'];
  const params: CmdlineParam[] = terms.params.map((p) => ({ ...p }));
  if (console.generate) params.push({ key: 'console', value: `${console.port},${CONSOLE_BAUD}`, source: 'console', reason: 'H17' });
  params.push(...hazards, ...profileParams(kernel.profile, cpuCount, housekeeping));

  if (hasUnbalancedQuote(kernel.cmdline)) {
    out.push({
      severity: 'error',
      rule: 'cmdline-syntax',
      message: `the cmdline of kernel "${kernel.name}" has an unclosed double quote: ${JSON.stringify(kernel.cmdline)}; the kernel would read everything after it as one parameter`,
      fix: 'close the quote, or remove it',
      path,
      kernels: [kernel.name],
    });
  }

  let forInit = false;
  for (const item of parseCmdline(kernel.cmdline)) {
    const param: CmdlineParam = { ...item, source: 'user' };
    if (forInit || (item.key === END_OF_KERNEL_PARAMS && item.value === null)) {
      forInit = true;
      params.push(param);
      continue;
    }
    if (terms.reservedKeys.some((k) => sameKey(k, item.key))) {
      out.push({
        severity: 'error',
        rule: 'cmdline-conflict',
        message: `kernel "${kernel.name}" sets ${renderItem(item)} in its cmdline, but ${terms.reservedWhy}`,
        fix: `remove ${renderItem(item)} from the cmdline of kernel "${kernel.name}"`,
        path,
        kernels: [kernel.name],
      });
    } else if (sameKey(item.key, 'console') && console.generate && isOtherSerialConsole(item, console.port)) {
      out.push({
        severity: 'warning',
        rule: 'cmdline-conflict',
        message: `kernel "${kernel.name}" names ${renderItem(item)} in its cmdline besides its console ${console.port}: it will write to both ports`,
        fix: `set \`console: ${serialPortOf(item)}\` and remove console= from its cmdline, or remove ${renderItem(item)}`,
        path,
        kernels: [kernel.name],
      });
    } else {
      const profile = params.findIndex((p) => p.source === 'profile' && sameKey(p.key, item.key));
      const replaced = profile >= 0 ? params.splice(profile, 1)[0] : undefined;
      if (replaced !== undefined && replaced.value !== item.value) {
        out.push({
          severity: 'warning',
          rule: 'cmdline-conflict',
          message: `kernel "${kernel.name}" sets ${renderItem(item)} in its cmdline, replacing the ${kernel.profile} profile's ${renderItem(replaced)}`,
          fix: `remove ${item.key}= from its cmdline to keep the profile's value, or use profile: balanced and write every parameter yourself`,
          path,
          kernels: [kernel.name],
        });
      }
    }
    params.push(param);
  }
  return { name: kernel.name, params, text: renderCmdline(params), console: console.port };
}

function serialPortOf(item: CmdlineItem): string | null {
  return /^(ttyS\d+)/.exec(item.value ?? '')?.[1] ?? null;
}

function isOtherSerialConsole(item: CmdlineItem, port: string): boolean {
  const named = serialPortOf(item);
  return named !== null && named !== port;
}
