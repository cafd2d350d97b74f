import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostMachine } from '../src/machines/host/host-machine.js';
import { consoleLines } from '../src/service/console.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-console-follow-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
let n = 0;

describe('parker console --follow on a host', () => {
  it('shows the lines as they come, a line only once it is whole, and the rest when the kernel stops', async () => {
    const root = path.join(scratch, `root${n++}`);
    const partition = path.join(root, 'sys/fs/parker/db');
    fs.mkdirSync(partition, { recursive: true });
    fs.writeFileSync(path.join(partition, 'online'), '1\n');
    fs.writeFileSync(path.join(partition, 'id'), '1\n');
    fs.writeFileSync(path.join(partition, 'cpus'), '1\n');
    fs.writeFileSync(path.join(partition, 'memory'), '\n');
    const log = path.join(scratch, `console${n++}.log`);
    fs.writeFileSync(log, '');
    hostMachine(root, true).watchConsole!('db', log);
    fs.appendFileSync(log, 'booting\nhalf a li');
    const shown: string[] = [];
    const follow = (async () => {
      for await (const line of consoleLines(() => hostMachine(root), 'db', { follow: true, pollMs: 20 })) {
        shown.push(line);
        if (line === 'booting') {
          fs.appendFileSync(log, 'ne\nlast wor');
          setTimeout(() => fs.writeFileSync(path.join(partition, 'online'), '0\n'), 100);
        }
      }
    })();
    await follow;
    expect(shown).toEqual(['booting', 'half a line', 'last wor']);
  });
});
