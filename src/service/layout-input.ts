import { errnoWords } from '../units/errno-words.js';
import * as path from 'node:path';
import { ParkerError } from '../units/parker-error.js';
import { loadSpec, readLayoutText, type LoadedSpec } from '../spec/load-spec.js';
import type { LayoutSpec } from '../spec/spec-schema.js';
import type { Machine } from '../machines/machine.js';
import type { Topology } from '../topology/model.js';
import { discoverBootDependencies } from '../topology/boot-dependencies.js';
import { machineTopology } from './machine-topology.js';
import { NO_PCI_NAMES } from '../topology/pci-ids.js';
import type { KernelInterface } from '../interfaces/kernel-interface.js';
import { prepareLayout, type PreparedLayout } from '../validate/prepare-layout.js';
import { READ_LIMITS, readBoundedFile } from '../machines/bounded-read.js';
import { formatSizeHuman } from '../units/size.js';
import { BzImageError, parseBzImage } from '../machines/sim/bzimage.js';
import type { Diagnostic } from '../spec/diagnostic.js';
import { sortDiagnostics } from '../spec/diagnostic.js';
import { withoutControls } from '../units/framed-lines.js';

/** What validate, plan and apply share: the spec, the machine's topology and the checked layout. */
export interface LayoutInput {
  file: string;
  /** The layout's text as it was read (what applied.json keeps for `apply --applied`). */
  text: string;
  loaded: LoadedSpec;
  spec: LayoutSpec | null;
  topology: Topology;
  prepared: PreparedLayout | null;
}

export { machineTopology } from './machine-topology.js';

/**
 * Reads each kernel's .config (the only file validation looks at), relative to the layout file:
 * each file once however many kernels name it, and all of them within READ_LIMITS.configsTotal,
 * so that a small layout (a posted one too) cannot make parker hold gigabytes.
 */
function readConfigs(spec: LayoutSpec, file: string): Map<string, string> {
  const configs = new Map<string, string>();
  const byPath = new Map<string, string>();
  let total = 0;
  for (const kernel of spec.kernels) {
    if (!kernel.config) continue;
    const where = path.resolve(path.dirname(file), kernel.config);
    let text = byPath.get(where);
    if (text === undefined) {
      try {
        text = readBoundedFile(where, READ_LIMITS.config, 'kernel config').toString('utf8');
      } catch (e) {
        if (e instanceof ParkerError) throw e;
        throw new ParkerError('E_SPEC_READ', `kernel ${kernel.name}: cannot read its config ${where}: ${errnoWords(e)}`, 'fix the `config` path or remove it');
      }
      total += text.length;
      if (total > READ_LIMITS.configsTotal) {
        throw new ParkerError('E_TOO_BIG', `the kernels' config files come to more than ${formatSizeHuman(READ_LIMITS.configsTotal)} together (at ${where}, of kernel ${kernel.name})`, 'name fewer or smaller .config files: kernels built alike can share one');
      }
      byPath.set(where, text);
    }
    configs.set(kernel.name, text);
  }
  return configs;
}

/** Room an interface's placeholder (`<memmap>`, `<control_structure>`) may take once filled in at load time. */
const PLACEHOLDER_ROOM = 32;

/**
 * What apply would find wrong at kexec time, found by validate on the machine that will load
 * them: each kernel's image must exist, be readable, be a regular file and a bzImage whose
 * command line limit its line fits (placeholders counted at their longest); its initrd must
 * exist, be readable and regular. Machines that cannot load kernels (snapshots, trees) are not
 * asked: their /boot is not the target's.
 */
export function bootFileDiagnostics(spec: LayoutSpec, prepared: PreparedLayout, machine: Machine): Diagnostic[] {
  if (!machine.bootFile) return [];
  const out: Diagnostic[] = [];
  const where = machine.description;
  const problem = (e: unknown) => (e instanceof ParkerError ? e.message : errnoWords(e));
  spec.kernels.forEach((kernel, i) => {
    const at = (key: string) => ({ path: ['kernels', i, key], kernels: [kernel.name] });
    try {
      const image = machine.bootFile!(kernel.image, { maxBytes: READ_LIMITS.image, read: true });
      if (!image) {
        out.push({ severity: 'error', rule: 'kernel-image', message: `kernel ${kernel.name}: its image ${kernel.image} does not exist on ${where}`, fix: 'give the path of a bzImage on the machine that loads it', ...at('image') });
      } else {
        try {
          const header = parseBzImage(image.bytes!);
          const line = prepared.resolved?.cmdlines.find((c) => c.name === kernel.name)?.text;
          if (line !== undefined) {
            const longest = line.replace(/<[a-z_]+>/g, 'x'.repeat(PLACEHOLDER_ROOM)).length;
            if (longest > header.cmdlineSize) {
              out.push({
                severity: 'error',
                rule: 'cmdline-length',
                message: `kernel ${kernel.name}: its command line may be ${longest} bytes once parker fills it in, over the ${header.cmdlineSize} its image ${kernel.image} accepts`,
                fix: 'shorten the command line (cmdline, profile parameters), or build the kernel with a larger COMMAND_LINE_SIZE',
                ...at('cmdline'),
              });
            }
          }
        } catch (e) {
          if (!(e instanceof BzImageError)) throw e;
          out.push({ severity: 'error', rule: 'kernel-image', message: `kernel ${kernel.name}: its image ${kernel.image} is not a bzImage kexec can load: ${e.message}`, fix: 'give the path of an x86 bzImage (arch/x86/boot/bzImage)', ...at('image') });
        }
      }
    } catch (e) {
      out.push({ severity: 'error', rule: 'kernel-image', message: `kernel ${kernel.name}: its image ${kernel.image} cannot be read on ${where}: ${problem(e)}`, fix: 'give the path of a readable bzImage (regular file) on the machine that loads it', ...at('image') });
    }
    if (!kernel.initrd) return;
    try {
      const initrd = machine.bootFile!(kernel.initrd, { maxBytes: READ_LIMITS.initrd, read: false });
      if (!initrd) out.push({ severity: 'error', rule: 'kernel-initrd', message: `kernel ${kernel.name}: its initrd ${kernel.initrd} does not exist on ${where}`, fix: 'give the path of an initramfs on the machine that loads it, or remove initrd', ...at('initrd') });
    } catch (e) {
      out.push({ severity: 'error', rule: 'kernel-initrd', message: `kernel ${kernel.name}: its initrd ${kernel.initrd} cannot be read on ${where}: ${problem(e)}`, fix: 'give the path of a readable initramfs (regular file), or remove initrd', ...at('initrd') });
    }
  });
  return out;
}

/**
 * The machine's topology as a layout is checked against it. Placement and the rules go by
 * device class and address, and nothing read from a layout shows a device's name: pci.ids
 * (1.3 MB) is left unread, about 4 ms of every validate and plan.
 */
export function layoutTopology(machine: Machine): Topology {
  return machineTopology(machine, { pciIds: NO_PCI_NAMES });
}

/** A spec placed and checked on the machine (`configs`: each kernel's .config text, when read). */
export function checkSpec(spec: LayoutSpec, machine: Machine, iface: KernelInterface, topology: Topology, configs?: Map<string, string>): PreparedLayout {
  return prepareLayout({ spec, topology, kernelInterface: iface, ...(configs ? { configs } : {}), bootDependencies: discoverBootDependencies(machine.fs) });
}

/**
 * Reads and checks the layout in `file` against the machine; with `text`, that text stands for
 * the file's (the layout as it was applied), which still names it and places its kernels'
 * config files.
 */
export function readLayout(file: string, machine: Machine, iface: KernelInterface, text: string = readLayoutText(file)): LayoutInput {
  refuseSavedPlan(file, text);
  const loaded = loadSpec(text, file);
  const topology = layoutTopology(machine);
  if (!loaded.spec) return { file, text, loaded, spec: null, topology, prepared: null };
  const spec = loaded.spec;
  const checked = checkSpec(spec, machine, iface, topology, readConfigs(spec, file));
  const files = bootFileDiagnostics(spec, checked, machine);
  // Findings quote names and paths from the layout: never their control characters.
  const diagnostics = sortDiagnostics([...checked.diagnostics, ...files]).map((d) => ({ ...d, message: withoutControls(d.message), ...(d.fix ? { fix: withoutControls(d.fix) } : {}) }));
  return { file, text, loaded, spec, topology, prepared: { ...checked, diagnostics } };
}

/**
 * A plan saved by `plan --out` given where a layout goes (validate, plan): said as such, not as
 * a dozen findings of a layout that has no kernels.
 */
function refuseSavedPlan(file: string, text: string): void {
  if (!text.trimStart().startsWith('{') || !text.includes('"parker.saved-plan/v1"')) return;
  let saved: { schema?: unknown; file?: unknown } | null;
  try {
    saved = JSON.parse(text) as { schema?: unknown; file?: unknown } | null;
  } catch {
    return;
  }
  if (saved?.schema !== 'parker.saved-plan/v1') return;
  const layout = typeof saved.file === 'string' ? ` (${withoutControls(saved.file)})` : '';
  throw new ParkerError('E_USAGE', `${file} is a plan saved by \`parker plan --out\`, not a layout`, `apply it: parker apply ${file}; validate and plan take the layout it was made from${layout}`);
}

/**
 * Every finding, the loader's first, each once: placement reads sizes and CPU lists again and
 * finds again what the loader's own checks found (an octal size, one beyond 8 PiB).
 */
export function allDiagnostics(input: LayoutInput) {
  const key = (d: Diagnostic) => JSON.stringify([d.severity, d.rule, d.message, d.path ?? null]);
  const loaderFound = new Set(input.loaded.diagnostics.map(key));
  return [...input.loaded.diagnostics, ...(input.prepared?.diagnostics ?? []).filter((d) => !loaderFound.has(key(d)))];
}
