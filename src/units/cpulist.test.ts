import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatCpuList, MAX_CPUS, parseCpuList, parseCpuListParts, plainCpuList } from './cpulist.js';
import { expectParseError } from '../../test/fixtures/expect-parse-error.js';


const cpuSets = fc.uniqueArray(fc.integer({ min: 0, max: 4095 }), { maxLength: 64 });

describe('parseCpuList', () => {
  it('reads lists as sysfs prints them', () => {
    // node0/cpulist of a 2 x 18-core Xeon with SMT, and this kind of machine's cpu/online.
    expect(parseCpuList('0-17,36-53\n')).toEqual([
      ...Array.from({ length: 18 }, (_, i) => i),
      ...Array.from({ length: 18 }, (_, i) => i + 36),
    ]);
    expect(parseCpuList('0-1\n')).toEqual([0, 1]);
    expect(parseCpuList('0,36')).toEqual([0, 36]);
    expect(parseCpuList('5')).toEqual([5]);
    expect(parseCpuList('0-3,8,10-11')).toEqual([0, 1, 2, 3, 8, 10, 11]);
  });

  it('reads the empty cpulist of a memory-only node as the empty list', () => {
    expect(parseCpuList('')).toEqual([]);
    expect(parseCpuList('\n')).toEqual([]);
  });

  it('sorts and removes duplicates from hand-written lists', () => {
    expect(parseCpuList('8,0-2,1')).toEqual([0, 1, 2, 8]);
    expect(parseCpuList(' 3 , 1 ')).toEqual([1, 3]);
  });

  it('expands the kernel stride form used/group-size', () => {
    expect(parseCpuList('0-15:2/4')).toEqual([0, 1, 4, 5, 8, 9, 12, 13]);
    expect(parseCpuList('0-9:1/4')).toEqual([0, 4, 8]);
    // The last group is cut at the end of the range.
    expect(parseCpuList('0-5:3/4')).toEqual([0, 1, 2, 4, 5]);
    expect(parseCpuList('2-7:4/4')).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('refuses malformed lists with an E_PARSE error quoting the input', () => {
    for (const bad of ['a', '0-', '-3', '1-0', '0,,3', '0-3,', '0x3', '1.5', '0-15:2', '0-15:5/4', '0-15:1/0', '5:1/2', '0 - 3']) {
      expectParseError(() => parseCpuList(bad), bad);
    }
  });

  it('refuses CPU numbers past the limit instead of expanding them', () => {
    expectParseError(() => parseCpuList('0-99999999999'), '0-99999999999');
    expectParseError(() => parseCpuList(String(MAX_CPUS)), String(MAX_CPUS));
    expect(parseCpuList(String(MAX_CPUS - 1))).toEqual([MAX_CPUS - 1]);
  });
});

describe('formatCpuList', () => {
  it('writes ranges as the kernel does', () => {
    expect(formatCpuList([0, 1, 2, 3, 8, 10, 11])).toBe('0-3,8,10-11');
    expect(formatCpuList([36, 0])).toBe('0,36');
    expect(formatCpuList([])).toBe('');
    expect(formatCpuList(new Set([3, 2, 2, 1]))).toBe('1-3');
  });

  it('refuses numbers that are not CPU ids', () => {
    expectParseError(() => formatCpuList([1, -1]), '-1');
    expectParseError(() => formatCpuList([1.5]), '1.5');
  });

  it('round-trips any set: parse(format(x)) is x sorted', () => {
    fc.assert(
      fc.property(cpuSets, (cpus) => {
        expect(parseCpuList(formatCpuList(cpus))).toEqual([...cpus].sort((a, b) => a - b));
      }),
    );
  });

  it('round-trips any canonical text: format(parse(s)) is s', () => {
    fc.assert(
      fc.property(cpuSets, (cpus) => {
        const text = formatCpuList(cpus);
        expect(formatCpuList(parseCpuList(text))).toBe(text);
      }),
    );
  });

  it('never writes two adjacent parts that could be merged', () => {
    fc.assert(
      fc.property(cpuSets, (cpus) => {
        const parts = formatCpuList(cpus).split(',').filter((p) => p !== '');
        for (let i = 1; i < parts.length; i++) {
          const previousEnd = Number(parts[i - 1]!.split('-').pop());
          const nextStart = Number(parts[i]!.split('-')[0]);
          expect(nextStart).toBeGreaterThan(previousEnd + 1);
        }
      }),
    );
  });
});

describe('plainCpuList', () => {
  it('reads every list the kernel prints as the part-by-part parser does', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 9000 }), { maxLength: 60 }), (cpus) => {
        const text = formatCpuList(cpus);
        expect(plainCpuList(text)).toEqual([...cpus].sort((a, b) => a - b));
        expect(plainCpuList(text)).toEqual(parseCpuListParts(text));
      }),
    );
  });

  it('leaves any other text to the part-by-part parser, and never disagrees with it', () => {
    for (const text of ['3,1', '1,1', '0-3:2/4', ' 1', '1, 2', '1-', '-1', '4-2', 'x', '1,,2', '99999999', '1048576', '0-1048576', '1,']) {
      expect(plainCpuList(text)).toBeUndefined();
    }
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9,\- ]{0,12}$/), (text) => {
        const plain = plainCpuList(text);
        if (plain === undefined) return;
        expect(plain).toEqual(parseCpuListParts(text));
      }),
    );
  });
});
