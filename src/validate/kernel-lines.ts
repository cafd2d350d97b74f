import { effectiveBootItems } from '../plan/boot-cmdline.js';
import { describeSetting, kernelItems, lookup, parseCmdline, renderItem } from '../plan/cmdline-params.js';
import type { CmdlineItem } from '../plan/cmdline-params.js';
import type { KernelCmdline } from '../plan/resolved-layout.js';
import type { Severity } from '../spec/diagnostic.js';
import { BOOT, quoted, type SpecPath } from './layout-lookup.js';
import type { Finding, RuleContext } from './rule.js';

/**
 * The effective command line of each kernel, as the hazard rules judge it: the boot kernel's
 * current one followed by the spec's boot.cmdline, and each application kernel's generated one
 * (which ends with its user's cmdline). Each parameter knows whether the spec wrote it, so a
 * finding can point at the line to fix.
 */
export interface LineParam extends CmdlineItem {
  /** Written in the spec (a kernel's cmdline, or boot.cmdline), as opposed to generated or already on the boot kernel. */
  fromSpec: boolean;
}

export interface KernelLine {
  /** BOOT or the application kernel's name. */
  readonly name: string;
  /** Index in spec.kernels; null for the boot kernel. */
  readonly index: number | null;
  /** Parameters before any "--". */
  readonly params: readonly LineParam[];
}

// Most hazard rules read every kernel's line: they are made once per rule context (which is
// not changed once built) and shared, hence readonly.
const bootLines = new WeakMap<RuleContext, KernelLine>();
const appLines = new WeakMap<RuleContext, readonly KernelLine[]>();
const everyLine = new WeakMap<RuleContext, readonly KernelLine[]>();

function remembered<T>(cache: WeakMap<RuleContext, T>, ctx: RuleContext, make: (ctx: RuleContext) => T): T {
  const known = cache.get(ctx);
  if (known !== undefined) return known;
  const made = make(ctx);
  cache.set(ctx, made);
  return made;
}

export function bootLine(ctx: RuleContext): KernelLine {
  return remembered(bootLines, ctx, makeBootLine);
}

function makeBootLine(ctx: RuleContext): KernelLine {
  const current = kernelItems(parseCmdline(ctx.boot.current ?? '')).length;
  const params = effectiveBootItems(ctx.boot.current, ctx.spec.boot.cmdline).map((p, i) => ({ ...p, fromSpec: i >= current }));
  return { name: BOOT, index: null, params };
}

/** Application kernels' lines in spec order; kernels without a generated line are left out. */
export function applicationLines(ctx: RuleContext): readonly KernelLine[] {
  return remembered(appLines, ctx, makeApplicationLines);
}

function makeApplicationLines(ctx: RuleContext): KernelLine[] {
  const out: KernelLine[] = [];
  // By name once, not a search per kernel; the first line of a name counts, as before.
  const byName = new Map<string, KernelCmdline>();
  for (const c of ctx.cmdlines) if (!byName.has(c.name)) byName.set(c.name, c);
  ctx.spec.kernels.forEach((kernel, index) => {
    const line = byName.get(kernel.name);
    if (line === undefined) return;
    out.push({ name: kernel.name, index, params: kernelItems(line.params).map((p) => ({ key: p.key, value: p.value, fromSpec: p.source === 'user' })) });
  });
  return out;
}

export function allLines(ctx: RuleContext): readonly KernelLine[] {
  return remembered(everyLine, ctx, (c) => [bootLine(c), ...applicationLines(c)]);
}

/** "kernel "db"" or "the boot kernel". */
export function kernelLabel(line: Pick<KernelLine, 'name' | 'index'>): string {
  return line.index === null ? 'the boot kernel' : `kernel ${quoted(line.name)}`;
}

/** A kernel named as in cpuOwnerNames: BOOT or an application kernel's name. */
export function ownerLabel(name: string): string {
  return name === BOOT ? 'the boot kernel' : `kernel ${quoted(name)}`;
}

/** The spec's cmdline of that kernel: where a user's parameter is removed. */
export function cmdlinePath(line: Pick<KernelLine, 'index'>): SpecPath {
  return line.index === null ? ['boot', 'cmdline'] : ['kernels', line.index, 'cmdline'];
}

/** Where the parameter comes from, for messages: "in the cmdline of kernel "db"", "on the boot kernel's command line". */
export function origin(line: KernelLine, param: LineParam): string {
  if (line.index === null) return param.fromSpec ? 'in boot.cmdline' : "on the boot kernel's current command line";
  // Callers name the kernel first ("kernel "rt" has idle=poll in its cmdline").
  return param.fromSpec ? 'in its cmdline' : 'on its generated command line';
}

/**
 * How to get rid of a parameter: remove it from the spec's cmdline, or from the boot kernel's
 * boot loader configuration (and reboot it) when the spec did not write it.
 */
export function removalFix(line: KernelLine, param: LineParam): string {
  const word = renderItem(param);
  if (param.fromSpec) return line.index === null ? `remove ${word} from boot.cmdline` : `remove ${word} from the cmdline of ${kernelLabel(line)}`;
  return line.index === null ? `remove ${word} from the boot kernel's boot loader entry and reboot it` : `remove ${word} from the command line of ${kernelLabel(line)}`;
}

/** A diagnostic's path for a parameter: its cmdline when the spec wrote it; nothing for the boot kernel's own line. */
export function paramPath(line: KernelLine, param: LineParam | undefined): SpecPath | undefined {
  if (param?.fromSpec) return cmdlinePath(line);
  return line.index === null ? undefined : cmdlinePath(line);
}

export interface AgreementCheck {
  severity: Severity;
  keys: readonly string[];
  /** Why a difference matters, one clause. */
  why: string;
  /** Compare only when the boot kernel sets the key (its value is then the reference). */
  onlyWhenBootSets?: boolean;
}

/**
 * Settings every kernel must share: each application kernel is compared with the boot kernel
 * (the generated lines copy the boot kernel's, so a difference comes from a user's cmdline).
 */
export function checkAgreement(ctx: RuleContext, check: AgreementCheck): Finding[] {
  const out: Finding[] = [];
  const boot = bootLine(ctx);
  const lines = applicationLines(ctx);
  for (const key of check.keys) {
    const bootSetting = describeSetting(boot.params, key);
    if (check.onlyWhenBootSets && lookup(boot.params, key) === undefined) continue;
    for (const line of lines) {
      const setting = describeSetting(line.params, key);
      if (setting === bootSetting) continue;
      const mine = lookup(line.params, key);
      const fix =
        mine === undefined
          ? `add ${bootSetting} to the cmdline of ${kernelLabel(line)}, the boot kernel's setting`
          : bootSetting === '(not set)'
            ? `${removalFix(line, mine)}: the boot kernel does not set ${key}=`
            : `${removalFix(line, mine)}, or write ${bootSetting} there: the boot kernel's setting`;
      out.push({
        severity: check.severity,
        message: `${kernelLabel(line)} has ${setting} but the boot kernel has ${bootSetting}: ${check.why}`,
        fix,
        path: cmdlinePath(line),
        kernels: [BOOT, line.name],
      });
    }
  }
  return out;
}
