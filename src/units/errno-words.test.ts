import * as fs from 'node:fs';
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { errnoWords } from './errno-words.js';

const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('no error');
};

describe('errnoWords', () => {
  it('says what real file-system errors mean', () => {
    expect(errnoWords(errorOf(() => fs.readFileSync('/no/such/file')))).toBe('no such file or directory');
    expect(errnoWords(errorOf(() => fs.readFileSync(os.tmpdir())))).toBe('it is a directory, not a file');
    expect(errnoWords(errorOf(() => fs.readFileSync('/etc/hostname/x')))).toBe('a part of the path is not a directory');
  });
  it('keeps an unknown code as it is', () => {
    expect(errnoWords(Object.assign(new Error('x'), { code: 'EWEIRD' }))).toBe('EWEIRD');
    expect(errnoWords(new Error('plain'))).toBe('plain');
  });
});
