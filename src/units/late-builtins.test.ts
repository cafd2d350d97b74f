import * as childProcessModule from 'node:child_process';
import * as cryptoModule from 'node:crypto';
import * as readlineModule from 'node:readline/promises';
import { describe, expect, it } from 'vitest';
import { childProcess, nodeCrypto, readline } from './late-builtins.js';

describe('built-in modules loaded when first used', () => {
  it("are node's own modules", () => {
    expect(childProcess().spawn).toBe(childProcessModule.spawn);
    expect(nodeCrypto().createHash).toBe(cryptoModule.createHash);
    expect(readline().createInterface).toBe(readlineModule.createInterface);
  });
});
