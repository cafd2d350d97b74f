import * as z from 'zod/mini';

// zod's functional API (zod/mini): its schemas carry no methods of their own, and making the
// layout's took half the time of the chained API's, at every command that reads a layout.
// zod compiles a parser for each object schema with `new Function` at its first use. A command
// parses one layout, once: compiling that code (never in the code cache, bin/load-bundle.js)
// cost more than it saved. The setting is zod's, for the whole process: the daemon's request
// bodies are parsed without it too, which costs them little (they are small).
z.config({ jitless: true });

/**
 * The layout spec: one YAML file that says how a machine is split. Versioned like a
 * Kubernetes object. docs/spec.md documents every field; schema/layout.schema.json is
 * generated from this file (`parker schema`) and kept current by a test.
 */
export const API_VERSION = 'parker/v1alpha1';
export const KIND = 'Layout';

const dnsLabel = z
  .string()
  .check(z.regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", at most 63, starting and ending with a letter or digit'));

/** "0-7,128-135": explicit CPUs in the kernel's list syntax. */
const cpuListText = z.string().check(z.describe('explicit CPUs as a kernel cpulist, e.g. "8-15,136-143"; the first CPU decides the memory node'));

const cpuCount = z
  .strictObject({
    count: z.int().check(z.minimum(1), z.maximum(512), z.describe('number of CPUs (hardware threads)')),
    placement: z._default(z.enum(['packed', 'spread', 'nodes']), 'packed').check(z.describe('packed: fewest LLCs and NUMA nodes; spread: across NUMA nodes; nodes: only on `nodes`')),
    nodes: z.optional(z.array(z.int().check(z.minimum(0))).check(z.minLength(1))).check(z.describe('NUMA nodes to place on (required with placement: nodes)')),
    granularity: z._default(z.enum(['core', 'thread']), 'core').check(z.describe('core: whole cores only (default); thread: single hardware threads allowed')),
  })
  .check(z.describe('a CPU count that parker places'));

export const cpuSelectionSchema = z.union([cpuListText, cpuCount]);

const pciAddressText = z.string().check(z.regex(/^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/, 'must be a PCI address DDDD:BB:DD.F'));

const deviceByAddress = z.strictObject({
  address: pciAddressText,
  force: z._default(z.boolean(), false).check(z.describe('hand over even a device the boot kernel depends on (root filesystem, swap, default route)')),
});

const deviceBySelector = z.strictObject({
  class: z.enum(['nvme', 'net', 'storage', 'gpu', 'accelerator', 'any']).check(z.describe('device class to choose from')),
  count: z._default(z.int().check(z.minimum(1), z.maximum(256)), 1),
  local: z._default(z.boolean(), true).check(z.describe("only devices on the NUMA node of this kernel's memory")),
});

export const deviceSchema = z.union([pciAddressText, deviceByAddress, deviceBySelector]);

const duration = z.string().check(z.regex(/^\d+(ms|s|m)$/, 'must be a duration such as "90s", "500ms" or "2m"'));

/**
 * When a kernel counts as up by default: the kernel's own line as it runs the first userspace
 * program (init/main.c prints "Run %s as init process"; "Run /init as init process" with an initramfs).
 */
export const DEFAULT_READY_PATTERN = 'Run \\S+ as init process';

function isRegExp(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

const readySchema = z
  ._default(
    z.union([
      z.literal(false),
      z.strictObject({
        pattern: z._default(z.string().check(z.minLength(1), z.refine(isRegExp, 'must be a regular expression')), DEFAULT_READY_PATTERN).check(z.describe('regular expression matched against each console line')),
        timeout: z._default(duration, '120s').check(z.describe('how long to wait for it after the kernel came online')),
      }),
    ]),
    { pattern: DEFAULT_READY_PATTERN, timeout: '120s' },
  )
  .check(z.describe('when the kernel counts as up: a line on its console after it set online (online is set before drivers probe); false: online is enough'));

const size = z.string().check(z.regex(/^\d+\s*[KMGTkmgt]?(i?[bB])?$/, 'must be a size such as "16G" or "512M"'));

export const bootSchema = z.strictObject({
  cpus: z
    .optional(z.union([cpuListText, z.strictObject({ count: z.int().check(z.minimum(1), z.describe('CPUs the boot kernel keeps, whole cores from CPU 0')) })]))
    .check(z.describe('CPUs the boot kernel keeps; default: every CPU no application kernel takes')),
  devices: z._default(z.array(pciAddressText), []).check(z.describe('PCI devices the boot kernel keeps: never assigned by selectors')),
  cmdline: z._default(z.string(), '').check(z.describe('parameters to add to the boot kernel command line')),
});

const absolute = (example: string) => `must be an absolute path on the boot kernel's filesystem, such as ${example}`;

export const profileSchema = z.enum(['balanced', 'latency', 'throughput']);

export const kernelSchema = z.strictObject({
  name: dnsLabel.check(z.describe('partition name: a DNS label, unique')),
  cpus: cpuSelectionSchema,
  memory: size.check(z.describe('memory size, whole GiB (Parker allocates in 1 GiB units from the CMA pool)')),
  devices: z._default(z.array(deviceSchema), []),
  // Absolute: kexec runs wherever parker runs (a daemon, a systemd unit at boot), not where the layout was written.
  image: z.string().check(z.regex(/^\//, absolute('/boot/vmlinuz-parker')), z.describe("absolute path of the kernel image (bzImage) on the boot kernel's filesystem")),
  initrd: z.optional(z.string().check(z.regex(/^\//, absolute('/boot/initrd-parker.img')))),
  cmdline: z._default(z.string(), '').check(z.describe('parameters added after the generated ones')),
  config: z.optional(z.string().check(z.minLength(1))).check(z.describe("path of the kernel's .config, checked for hazards")),
  profile: z._default(profileSchema, 'balanced'),
  console: z.optional(z.string().check(z.regex(/^ttyS\d+$/, 'must be a serial port such as ttyS1'))).check(z.describe('serial console port; default: one of its own')),
  consoleSource: z
    .optional(z.string().check(z.minLength(1)))
    .check(z.describe("where the boot kernel reads this kernel's console on a real host: a serial device cabled to its console port (/dev/ttyS4) or a file something else appends it to")),
  ready: readySchema,
  order: z._default(z.int().check(z.minimum(0)), 0).check(z.describe('start order: lower first, ties by name')),
  bootTimeout: z._default(duration, '120s').check(z.describe('how long to wait for the kernel to come online')),
  stop: z
    .optional(
      z.strictObject({
        command: z.array(z.string()).check(z.minLength(1), z.describe('argv run on the boot kernel to ask this kernel to power off')),
        timeout: z._default(duration, '60s'),
      }),
    )
    .check(z.describe('Parker has no stop file: how to ask the kernel to power off')),
});

export const layoutSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: z.strictObject({
    name: dnsLabel,
    description: z.optional(z.string()),
  }),
  boot: z._default(bootSchema, { devices: [], cmdline: '' }),
  kernels: z.array(kernelSchema).check(z.maxLength(255)),
});

export type LayoutSpec = z.output<typeof layoutSchema>;
export type KernelSpec = z.output<typeof kernelSchema>;
export type BootSpec = z.output<typeof bootSchema>;
export type CpuSelection = z.output<typeof cpuSelectionSchema>;
export type DeviceRequest = z.output<typeof deviceSchema>;
export type Profile = z.output<typeof profileSchema>;
