// Helpers for node scripts that run inside the Parker lab's boot kernel (lab/parker/boot.sh
// --node): run parker's own CLI from /parker, read what the real kernel shows, and report
// results to the host as `LAB-RESULT {json}` lines on stdout (boot.sh: script-output.log).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout inside the guest (/parker). */
export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const PARKER_BIN = path.join(PROJECT, 'bin/parker.js');
export const PARKER_FS = '/sys/fs/parker';
export const CMA = '/sys/kernel/mm/cma';
export const CPU = '/sys/devices/system/cpu';
/** The application kernel and its initramfs, as initramfs.sh puts them into the boot kernel's. */
export const IMAGE = '/boot/bzImage';
export const INITRD = '/boot/app-initrd.img';
/** The VM's two NVMe drives (boot.sh) and the consoles cabled to the boot kernel (boot-init.sh). */
export const NVME = ['0000:00:04.0', '0000:00:06.0'];
export const consoleLog = (port) => `/run/parker-lab/console-${port}.log`;
export const consoleCable = (port) => `/dev/parker-console-${port}`;
export const READY = 'parker-lab: userspace ready';

/**
 * These scripts write the running kernel's /sys: they refuse to run anywhere but in the boot
 * kernel of the Parker lab VM (boot.sh puts parker.lab.script= on its command line).
 */
export function assertInParkerLab(script) {
  const cmdline = fs.readFileSync('/proc/cmdline', 'utf8');
  if (!/(^|\s)parker\.lab\.script=/.test(cmdline) || !fs.existsSync(PARKER_FS)) {
    console.error(`${script} changes the running kernel: it runs only inside the Parker lab VM (lab/parker/boot.sh --node)`);
    process.exit(2);
  }
}

const t0 = performance.now();
/** Seconds since this script started, for the log. */
export const elapsed = () => ((performance.now() - t0) / 1000).toFixed(1);

/** Reports one result to the host: a single line, `LAB-RESULT {"name":..., ...}`. */
export function result(name, value) {
  process.stdout.write(`LAB-RESULT ${JSON.stringify({ name, ...value })}\n`);
}

export function log(text) {
  process.stdout.write(`[${elapsed()}s] ${text}\n`);
}

const readOr = (file, fallback = null) => {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    return fallback ?? `<${e.code ?? 'error'}>`;
  }
};
export const read = (file) => readOr(file);

/** Runs `parker ARGS` (this checkout's bin/parker.js, --machine host) and returns what it did. */
export function parker(args, { timeoutMs = 600_000, input } = {}) {
  const start = performance.now();
  const argv = [PARKER_BIN, ...args, '--machine', 'host'];
  log(`$ parker ${args.join(' ')}`);
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', timeout: timeoutMs, input, maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(((performance.now() - start) / 1000).toFixed(2));
  const out = { args, code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', seconds };
  log(`  exit ${r.status}${r.signal ? ` (${r.signal})` : ''} after ${seconds}s`);
  for (const line of `${out.stdout}${out.stderr}`.trimEnd().split('\n').slice(-40)) process.stdout.write(`  | ${line}\n`);
  return out;
}

/** Starts `parker ARGS` in the background; returns the child (for a SIGKILL). */
export function parkerBackground(args) {
  log(`$ parker ${args.join(' ')} &`);
  const child = spawn(process.execPath, [PARKER_BIN, ...args, '--machine', 'host'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.output = '';
  child.stdout.on('data', (d) => (child.output += d));
  child.stderr.on('data', (d) => (child.output += d));
  return child;
}

/** Runs `parker ARGS` without blocking this process (another parker may run meanwhile); resolves like parker(). */
export function parkerAsync(args, { timeoutMs = 600_000 } = {}) {
  const start = performance.now();
  log(`$ parker ${args.join(' ')} (while another runs)`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PARKER_BIN, ...args, '--machine', 'host'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => {
      const seconds = Number(((performance.now() - start) / 1000).toFixed(2));
      log(`  exit ${code}${signal ? ` (${signal})` : ''} after ${seconds}s: parker ${args.join(' ')}`);
      resolve({ args, code, signal, stdout, stderr, seconds });
    });
  });
}

/** Whether a detached start writer of parker's host machine (`sh -c ... parker-start ...`) is running: a start write in flight. */
export function startWriterRunning() {
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('parker-start')) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Expands a cpulist ("0-2,5") into numbers. */
export function cpulist(text) {
  const cpus = [];
  for (const part of text.trim().split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let c = a; c <= (b ?? a); c++) cpus.push(c);
  }
  return cpus;
}

/** The TSC frequency the boot kernel measured, in kHz (the application kernels need it: tsc_early_khz=). */
export function tscKhz() {
  const dmesg = spawnSync('dmesg', { encoding: 'utf8' }).stdout;
  const m = /tsc: Detected (\d+)\.(\d{3}) MHz processor/.exec(dmesg);
  if (!m) throw new Error('no "tsc: Detected ... MHz" line in dmesg');
  return Number(`${m[1]}${m[2]}`);
}

/** Lines of the boot kernel's log that mention Parker or its CMA pools. */
export function parkerDmesg() {
  return spawnSync('dmesg', { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => /parker|cma/i.test(l))
    .map((l) => l.replace(/^\[[^\]]*\]\s*/, ''));
}

/** A partition's files, each as read (an error reads as <ERRNO>). */
export function partitionFiles(name) {
  const dir = path.join(PARKER_FS, name);
  if (!fs.existsSync(dir)) return null;
  const files = {};
  for (const f of ['id', 'control_structure', 'cpus', 'memory']) files[f] = readOr(path.join(dir, f));
  files.devices = fs.existsSync(path.join(dir, 'devices')) ? fs.readdirSync(path.join(dir, 'devices')) : [];
  // `online` blocks while a start is in flight: read it last, and only when asked.
  return files;
}

/** `online` of a partition, read in a child with a timeout (a read blocks while a start runs). */
export function readOnline(name, timeoutMs = 5000) {
  const r = spawnSync('cat', [path.join(PARKER_FS, name, 'online')], { encoding: 'utf8', timeout: timeoutMs });
  if (r.signal) return '<blocked>';
  return r.status === 0 ? r.stdout.trim() : `<${r.stderr.trim()}>`;
}

/** What the boot kernel holds now: everything the no-orphans checks compare. */
export function machineState() {
  const partitions = fs.existsSync(PARKER_FS) ? fs.readdirSync(PARKER_FS) : [];
  const cma = {};
  for (const pool of fs.existsSync(CMA) ? fs.readdirSync(CMA) : []) {
    cma[pool] = {};
    for (const f of fs.readdirSync(path.join(CMA, pool))) cma[pool][f] = readOr(path.join(CMA, pool, f));
  }
  const devices = {};
  for (const bdf of NVME) {
    const dir = `/sys/bus/pci/devices/${bdf}`;
    let driver = null;
    try {
      driver = path.basename(fs.readlinkSync(path.join(dir, 'driver')));
    } catch {
      driver = null;
    }
    const nvme = fs.existsSync(path.join(dir, 'nvme')) ? fs.readdirSync(path.join(dir, 'nvme')) : [];
    const block = nvme.flatMap((ctrl) => (fs.existsSync(path.join(dir, 'nvme', ctrl)) ? fs.readdirSync(path.join(dir, 'nvme', ctrl)).filter((f) => /^nvme\d+n\d+$/.test(f)) : []));
    devices[bdf] = { driver, enable: readOr(path.join(dir, 'enable')), nvme, block };
  }
  return {
    partitions,
    cpusOnline: readOr(`${CPU}/online`),
    cpusOffline: readOr(`${CPU}/offline`),
    cma,
    devices,
    kexecLoaded: readOr('/sys/kernel/kexec_loaded'),
  };
}

/** Waits until `check()` is true, at most `timeoutMs`. */
export async function waitUntil(check, timeoutMs, stepMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(stepMs);
  }
  return check();
}

/** Lines of an application console log (boot-init.sh's reader), without carriage returns. */
export function consoleLines(port) {
  return readOr(consoleLog(port), '')
    .replace(/\r/g, '')
    .split('\n');
}

/**
 * The last boot on a console: its readiness line and the memory line before it
 * (`parker-lab: memory ram=BASE-END kernel=START-END`), parsed.
 */
export function lastBoot(port) {
  const lines = consoleLines(port);
  const readyLines = lines.filter((l) => l.includes(READY));
  const memLines = lines.filter((l) => l.includes('parker-lab: memory ram='));
  const mem = memLines.at(-1) ?? '';
  const range = (text) => {
    const m = /^([0-9a-f]+)-([0-9a-f]+)$/.exec(text ?? '');
    return m ? { start: parseInt(m[1], 16), end: parseInt(m[2], 16) } : null;
  };
  const ram = (/ram=(\S+)/.exec(mem)?.[1] ?? '').split(',').map(range).filter(Boolean);
  const kernel = range(/kernel=(\S+)/.exec(mem)?.[1]);
  return { boots: readyLines.length, ready: readyLines.at(-1)?.replace(/^.*?parker-lab:/, 'parker-lab:') ?? null, ram, kernel, memoryLine: mem.replace(/^.*?parker-lab:/, 'parker-lab:') };
}

/** `SIZE@0xBASE` of a partition's memory file as a range. */
export function memoryRange(text) {
  const m = /^(\d+)@0x([0-9a-f]+)$/.exec(text ?? '');
  if (!m) return null;
  const start = parseInt(m[2], 16);
  return { start, end: start + Number(m[1]) - 1 };
}

/** A lab layout of application kernels (YAML), one per entry of `kernels`. */
export function labLayout(name, kernels, { bootCpus = '0,2' } = {}) {
  const khz = tscKhz();
  const lines = ['apiVersion: parker/v1alpha1', 'kind: Layout', 'metadata:', `  name: ${name}`, 'boot:', `  cpus: "${bootCpus}"`, 'kernels:'];
  for (const k of kernels) {
    // The console port's legacy serial ports only: 8250.nr_uarts keeps the application kernel
    // from probing the ports of the others (and the boot kernel's script output on ttyS3).
    const uarts = Number(k.console.slice(4)) + 1;
    lines.push(
      `  - name: ${k.name}`,
      `    cpus: "${k.cpus}"`,
      `    memory: ${k.memory ?? '1G'}`,
      `    devices: [${k.devices.map((d) => `"${d}"`).join(', ')}]`,
      `    image: ${k.image ?? IMAGE}`,
      `    initrd: ${k.initrd ?? INITRD}`,
      `    console: ${k.console}`,
      `    consoleSource: ${consoleLog(k.console)}`,
      `    cmdline: "8250.nr_uarts=${uarts} tsc_early_khz=${khz} parker.lab.app_timeout=900"`,
      `    ready: { pattern: "${k.readyPattern ?? READY}", timeout: ${k.readyTimeout ?? '180s'} }`,
      `    order: ${k.order}`,
      '    bootTimeout: 120s',
      '    stop:',
      `      command: [sh, -c, "printf '\\\\npoweroff\\\\n' > ${consoleCable(k.console)}"]`,
      '      timeout: 90s',
    );
  }
  return `${lines.join('\n')}\n`;
}
