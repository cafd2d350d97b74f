import { describe, expect, it } from 'vitest';
import { formatCpuListFirstFirst, parseCpuListInOrder } from './ordered-cpu-list.js';

describe('parseCpuListInOrder', () => {
  it('keeps the order the parts were written in, each range counting up', () => {
    expect(parseCpuListInOrder('64-67,8-10,3')).toEqual([64, 65, 66, 67, 8, 9, 10, 3]);
  });

  it('keeps the first place of a CPU named twice', () => {
    expect(parseCpuListInOrder('9,1-3,9,2')).toEqual([9, 1, 2, 3]);
  });

  it('reads strides and the empty list as parseCpuList does', () => {
    expect(parseCpuListInOrder('8-15:1/4,0')).toEqual([8, 12, 0]);
    expect(parseCpuListInOrder('  ')).toEqual([]);
  });

  it('throws the parse error quoting the whole list', () => {
    expect(() => parseCpuListInOrder('4,x')).toThrow('invalid CPU list "4,x"');
  });
});

describe('formatCpuListFirstFirst', () => {
  it('writes a list whose first CPU is its lowest as one cpulist', () => {
    expect(formatCpuListFirstFirst([2, 3, 4, 10, 11])).toBe('2-4,10-11');
  });

  it('puts another first CPU in front', () => {
    expect(formatCpuListFirstFirst([64, 8, 9, 10, 65, 66])).toBe('64,8-10,65-66');
    expect(formatCpuListFirstFirst([])).toBe('');
  });
});
