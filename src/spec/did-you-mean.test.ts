import { describe, expect, test } from 'vitest';
import { didYouMean, levenshtein } from './did-you-mean.js';

describe('levenshtein', () => {
  test.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['cpu', 'cpus', 1],
    ['kitten', 'sitting', 3],
    ['placment', 'placement', 1],
    ['abc', 'abc', 0],
    ['imgae', 'image', 1],
    ['cuont', 'count', 1],
    ['ab', 'ba', 1],
  ])('%j -> %j is %i edits', (a, b, distance) => {
    expect(levenshtein(a, b)).toBe(distance);
    expect(levenshtein(b, a)).toBe(distance);
  });
});

describe('didYouMean', () => {
  const kernelKeys = ['name', 'cpus', 'memory', 'devices', 'image', 'initrd', 'cmdline', 'config', 'profile', 'console', 'order', 'bootTimeout', 'stop'];

  test('one edit away', () => {
    expect(didYouMean('cpu', kernelKeys)).toBe('cpus');
    expect(didYouMean('imgae', kernelKeys)).toBe('image');
  });

  test('case, "_" and "-" do not count', () => {
    expect(didYouMean('boot_timeout', kernelKeys)).toBe('bootTimeout');
    expect(didYouMean('Memory', kernelKeys)).toBe('memory');
    expect(didYouMean('boot-timeout', kernelKeys)).toBe('bootTimeout');
  });

  test('an abbreviation of exactly one key', () => {
    expect(didYouMean('mem', kernelKeys)).toBe('memory');
    expect(didYouMean('dev', kernelKeys)).toBe('devices');
  });

  test('an abbreviation of several keys suggests none', () => {
    expect(didYouMean('con', kernelKeys)).toBeUndefined();
  });

  test('nothing close: no suggestion', () => {
    expect(didYouMean('hugepages', kernelKeys)).toBeUndefined();
    expect(didYouMean('x', kernelKeys)).toBeUndefined();
  });

  test('short words allow one edit, longer ones a third of their length', () => {
    expect(didYouMean('nme', ['name'])).toBe('name');
    expect(didYouMean('nm', ['name'])).toBeUndefined();
    expect(didYouMean('bootTmout', ['bootTimeout'])).toBe('bootTimeout');
  });
});
