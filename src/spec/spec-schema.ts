import * as z from 'zod';

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
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", at most 63, starting and ending with a letter or digit');

/** "0-7,128-135": explicit CPUs in the kernel's list syntax. */
const cpuListText = z.string().describe('explicit CPUs as a kernel cpulist, e.g. "8-15,136-143"; the first CPU decides the memory node');

const cpuCount = z
  .strictObject({
    count: z.number().int().min(1).max(512).describe('number of CPUs (hardware threads)'),
    placement: z
      .enum(['packed', 'spread', 'nodes'])
      .default('packed')
      .describe('packed: fewest LLCs and NUMA nodes; spread: across NUMA nodes; nodes: only on `nodes`'),
    nodes: z.array(z.number().int().min(0)).min(1).optional().describe('NUMA nodes to place on (required with placement: nodes)'),
    granularity: z.enum(['core', 'thread']).default('core').describe('core: whole cores only (default); thread: single hardware threads allowed'),
  })
  .describe('a CPU count that parker places');

export const cpuSelectionSchema = z.union([cpuListText, cpuCount]);

const pciAddressText = z.string().regex(/^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/, 'must be a PCI address DDDD:BB:DD.F');

const deviceByAddress = z.strictObject({
  address: pciAddressText,
  force: z.boolean().default(false).describe('hand over even a device the boot kernel depends on (root filesystem, swap, default route)'),
});

const deviceBySelector = z.strictObject({
  class: z.enum(['nvme', 'net', 'storage', 'gpu', 'accelerator', 'any']).describe('device class to choose from'),
  count: z.number().int().min(1).max(256).default(1),
  local: z.boolean().default(true).describe("only devices on the NUMA node of this kernel's memory"),
});

export const deviceSchema = z.union([pciAddressText, deviceByAddress, deviceBySelector]);

const duration = z.string().regex(/^\d+(ms|s|m)$/, 'must be a duration such as "90s", "500ms" or "2m"');

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
  .union([
    z.literal(false),
    z.strictObject({
      pattern: z.string().min(1).refine(isRegExp, 'must be a regular expression').default(DEFAULT_READY_PATTERN).describe('regular expression matched against each console line'),
      timeout: duration.default('120s').describe('how long to wait for it after the kernel came online'),
    }),
  ])
  .default({ pattern: DEFAULT_READY_PATTERN, timeout: '120s' })
  .describe('when the kernel counts as up: a line on its console after it set online (online is set before drivers probe); false: online is enough');

const size = z.string().regex(/^\d+\s*[KMGTkmgt]?(i?[bB])?$/, 'must be a size such as "16G" or "512M"');

export const bootSchema = z.strictObject({
  cpus: z
    .union([cpuListText, z.strictObject({ count: z.number().int().min(1).describe('CPUs the boot kernel keeps, whole cores from CPU 0') })])
    .optional()
    .describe('CPUs the boot kernel keeps; default: every CPU no application kernel takes'),
  devices: z.array(pciAddressText).default([]).describe('PCI devices the boot kernel keeps: never assigned by selectors'),
  cmdline: z.string().default('').describe('parameters to add to the boot kernel command line'),
});

const absolute = (example: string) => `must be an absolute path on the boot kernel's filesystem, such as ${example}`;

export const profileSchema = z.enum(['balanced', 'latency', 'throughput']);

export const kernelSchema = z.strictObject({
  name: dnsLabel.describe('partition name: a DNS label, unique'),
  cpus: cpuSelectionSchema,
  memory: size.describe('memory size, whole GiB (Parker allocates in 1 GiB units from the CMA pool)'),
  devices: z.array(deviceSchema).default([]),
  // Absolute: kexec runs wherever parker runs (a daemon, a systemd unit at boot), not where the layout was written.
  image: z.string().regex(/^\//, absolute('/boot/vmlinuz-parker')).describe("absolute path of the kernel image (bzImage) on the boot kernel's filesystem"),
  initrd: z.string().regex(/^\//, absolute('/boot/initrd-parker.img')).optional(),
  cmdline: z.string().default('').describe('parameters added after the generated ones'),
  config: z.string().min(1).optional().describe("path of the kernel's .config, checked for hazards"),
  profile: profileSchema.default('balanced'),
  console: z.string().regex(/^ttyS\d+$/, 'must be a serial port such as ttyS1').optional().describe('serial console port; default: one of its own'),
  consoleSource: z
    .string()
    .min(1)
    .optional()
    .describe("where the boot kernel reads this kernel's console on a real host: a serial device cabled to its console port (/dev/ttyS4) or a file something else appends it to"),
  ready: readySchema,
  order: z.number().int().min(0).default(0).describe('start order: lower first, ties by name'),
  bootTimeout: duration.default('120s').describe('how long to wait for the kernel to come online'),
  stop: z
    .strictObject({
      command: z.array(z.string()).min(1).describe('argv run on the boot kernel to ask this kernel to power off'),
      timeout: duration.default('60s'),
    })
    .optional()
    .describe('Parker has no stop file: how to ask the kernel to power off'),
});

export const layoutSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: z.strictObject({
    name: dnsLabel,
    description: z.string().optional(),
  }),
  boot: bootSchema.default({ devices: [], cmdline: '' }),
  kernels: z.array(kernelSchema).max(255),
});

export type LayoutSpec = z.output<typeof layoutSchema>;
export type KernelSpec = z.output<typeof kernelSchema>;
export type BootSpec = z.output<typeof bootSchema>;
export type CpuSelection = z.output<typeof cpuSelectionSchema>;
export type DeviceRequest = z.output<typeof deviceSchema>;
export type Profile = z.output<typeof profileSchema>;
