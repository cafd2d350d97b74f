import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostMachine } from '../machines/host/host-machine.js';
import type { EventHub } from './event-hub.js';
import { MachineWatch } from './machine-watch.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-machine-watch-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("the daemon's watch of a host's consoles", () => {
  it('publishes each whole line once, holds a line until it is whole, and publishes the rest when the kernel has stopped', () => {
    const root = path.join(scratch, 'root');
    const partition = path.join(root, 'sys/fs/parker/db');
    fs.mkdirSync(partition, { recursive: true });
    for (const [file, value] of [['online', '1'], ['id', '1'], ['cpus', '1'], ['memory', '']] as const) fs.writeFileSync(path.join(partition, file), `${value}\n`);
    const log = path.join(scratch, 'db-console.log');
    fs.writeFileSync(log, '');
    const machine = hostMachine(root, true);
    machine.watchConsole!('db', log);
    const published: string[][] = [];
    const hub = { publish: (type: string, data: Record<string, unknown>) => void (type === 'console' && published.push(data.lines as string[])) } as unknown as EventHub;
    const watch = new MachineWatch(hub);
    const look = () => watch.lookAt(hostMachine(root));
    fs.appendFileSync(log, 'one\ntw');
    look();
    fs.appendFileSync(log, 'o\n');
    look();
    look();
    fs.appendFileSync(log, 'reboot: Power do');
    look();
    expect(published).toEqual([['one'], ['two']]);
    // Offline, and no start of parker's on record to say more: it prints nothing more.
    fs.writeFileSync(path.join(partition, 'online'), '0\n');
    look();
    look();
    expect(published).toEqual([['one'], ['two'], ['reboot: Power do']]);
  });
});
