import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// lab/qemu-watch.sh stops a guest whose kernel stalls before init runs the command, and
// lab/run.sh boots it again. A real TCG stall cannot be had on demand, so a stand-in
// qemu-system-x86_64 on PATH plays one: it writes to the -serial file what a guest would.

const PROJECT = path.resolve(import.meta.dirname, '..');
const STALL_LINE = '[   28.894808] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [kworker/0:1:18]';

let scratch: string | null = null;
afterEach(() => {
  if (scratch !== null) fs.rmSync(scratch, { recursive: true, force: true });
  scratch = null;
});

/**
 * A stand-in QEMU: boot number N (counted in STATE/boots) stalls when N <= STALLS (prints a
 * soft lockup, then hangs), else prints LAB_RUN later lines given in AFTER and, as lab/init.sh
 * does, writes exit-code into the run directory.
 */
function fakeQemu(): { bin: string; state: string } {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-boot-retry-'));
  const bin = path.join(scratch, 'bin');
  const state = path.join(scratch, 'state');
  fs.mkdirSync(bin);
  fs.mkdirSync(state);
  fs.writeFileSync(
    path.join(bin, 'qemu-system-x86_64'),
    `#!/bin/bash
prev=
for a; do [ "$prev" = -serial ] && console=\${a#file:}; prev=$a; done
n=$(( $(cat "$FAKE_STATE/boots" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$FAKE_STATE/boots"
echo $$ > "$FAKE_STATE/pid"
echo "[    0.000000] Linux version fake (boot $n)" > "$console"
if [ "$n" -le "$STALLS" ]; then
  echo "\${STALL_TEXT:-${STALL_LINE}}" >> "$console"
  # A kernel whose vCPUs were only starved for a while goes on after its report.
  [ -n "$RECOVERS_AFTER" ] || exec sleep 60
  sleep "$RECOVERS_AFTER"
fi
echo "LAB_RUN fake: boot $n" >> "$console"
[ -n "$AFTER" ] && echo "$AFTER" >> "$console" && sleep 2
echo 0 > "$(dirname "$console")/exit-code"
exit 0
`,
    { mode: 0o755 },
  );
  return { bin, state };
}

function runShell(script: string, env: Record<string, string>): { status: number | null; stderr: string; seconds: number } {
  const started = Date.now();
  // A stall counts once init has not started 1 s after the kernel's report (40 s in the labs).
  const result = spawnSync('bash', ['-c', script], { env: { ...process.env, QEMU_WATCH_GRACE: '1', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stderr: result.stderr, seconds: (Date.now() - started) / 1000 };
}

/** run_qemu_watched over the stand-in, with its console in the stand-in's state directory. */
function watchStandIn(env: Record<string, string>): { run: ReturnType<typeof runShell>; state: string; console: string } {
  const { bin, state } = fakeQemu();
  const console = path.join(state, 'console.log');
  const run = runShell(`. ${PROJECT}/lab/qemu-watch.sh; run_qemu_watched ${console} '^LAB_RUN ' 50 -serial file:${console}`, {
    PATH: `${bin}:${process.env.PATH}`,
    FAKE_STATE: state,
    ...env,
  });
  return { run, state, console };
}

describe('run_qemu_watched (lab/qemu-watch.sh)', () => {
  it('stops a guest that stalls before it is ready, at once, with status 86', () => {
    const { run } = watchStandIn({ STALLS: '1' });
    expect(run.status).toBe(86);
    // The stand-in would hang for 60 s; the watcher looks once a second.
    expect(run.seconds).toBeLessThan(20);
  });

  it('counts an NVMe command the emulator never completed (a lost interrupt) as a stall', () => {
    const { run, console } = watchStandIn({ STALLS: '1', STALL_TEXT: '[   79.228673] nvme nvme1: I/O tag 20 (1014) QID 0 timeout, completion polled' });
    expect(run.status).toBe(86);
    expect(fs.readFileSync(console, 'utf8')).toContain('completion polled');
  });

  it('counts a console silent before init as a stall: a kernel can hang without a word', () => {
    const { run, console } = watchStandIn({ STALLS: '1', STALL_TEXT: '[    2.907693] sched_clock: Marking stable (2869952402, 35789402)->(3136777216, -231035412)', QEMU_WATCH_SILENCE: '3' });
    expect(run.status).toBe(86);
    expect(run.seconds).toBeLessThan(20);
    expect(fs.readFileSync(console, 'utf8')).toContain('Marking stable');
  });

  it('leaves a guest that reports a stall and then starts init within the grace period', () => {
    const { run, state, console } = watchStandIn({ STALLS: '1', RECOVERS_AFTER: '1', QEMU_WATCH_GRACE: '5' });
    expect(run.status).toBe(0);
    expect(fs.readFileSync(path.join(state, 'boots'), 'utf8').trim()).toBe('1');
    expect(fs.readFileSync(console, 'utf8')).toContain('LAB_RUN fake: boot 1');
  });

  it('leaves a stall after the guest is ready to the timeout, so that the failure shows', () => {
    const { run, console } = watchStandIn({ STALLS: '0', AFTER: STALL_LINE });
    expect(run.status).toBe(0);
    expect(fs.readFileSync(console, 'utf8')).toContain('soft lockup');
  });
});

describe('lab/run.sh', () => {
  function labEnv(stalls: number): { env: Record<string, string>; lab: string; state: string } {
    const { bin, state } = fakeQemu();
    const lab = path.join(scratch!, 'lab');
    fs.mkdirSync(path.join(lab, 'share/boot'), { recursive: true });
    fs.writeFileSync(path.join(lab, 'share/boot/initrd.img'), '');
    const env = { PATH: `${bin}:${process.env.PATH}`, FAKE_STATE: state, STALLS: String(stalls), PARKER_LAB_DIR: lab };
    return { env, lab, state };
  }

  it('boots again after a stalled boot and keeps the stalled console', () => {
    const { env, lab, state } = labEnv(2);
    const run = runShell(`${PROJECT}/lab/run.sh --run retry --timeout 50 bin/parker.js --version`, env);
    expect(run.status, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(state, 'boots'), 'utf8').trim()).toBe('3');
    const dir = path.join(lab, 'share/runs/retry');
    expect(fs.readFileSync(path.join(dir, 'boot-retries'), 'utf8').trim()).toBe('2');
    expect(fs.readFileSync(path.join(dir, 'console.log.stalled-1'), 'utf8')).toContain('soft lockup');
    expect(fs.readFileSync(path.join(dir, 'console.log'), 'utf8')).toContain('LAB_RUN fake: boot 3');
    expect(run.stderr).toMatch(/stalled while booting.*booting again/);
  });

  it('stops QEMU when it is itself stopped (TERM) while it watches', async () => {
    const { env, state } = labEnv(1);
    const runner = spawn(`${PROJECT}/lab/run.sh`, ['--run', 'stopped', '--timeout', '50', 'bin/parker.js', '--version'], { env: { ...process.env, ...env, QEMU_WATCH_GRACE: '100' }, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => runner.on('exit', (code) => resolve(code)));
    const pidFile = path.join(state, 'pid');
    for (let i = 0; i < 100 && !fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    const qemu = Number(fs.readFileSync(pidFile, 'utf8'));
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(qemu)).toBe(true);
    runner.kill('SIGTERM');
    await exited;
    for (let i = 0; i < 50 && alive(qemu); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(qemu)).toBe(false);
  });

  it('gives up after three stalled boots with status 125 and says why', () => {
    const { env, state } = labEnv(5);
    const run = runShell(`${PROJECT}/lab/run.sh --run stuck --timeout 50 bin/parker.js --version`, env);
    expect(run.status).toBe(125);
    expect(fs.readFileSync(path.join(state, 'boots'), 'utf8').trim()).toBe('3');
    expect(run.stderr).toContain('stalled while booting, three times');
  });
});
