import { describe, expect, it } from 'vitest';
import { describeSetting, hasUnbalancedQuote, listOptions, lookup, lookupAll, lookupValue, parseCmdline, renderCmdline } from './cmdline-params.js';

describe('parseCmdline', () => {
  it('splits words into keys and values, bare flags with a null value', () => {
    expect(parseCmdline('  root=/dev/sda1 ro\tpanic=0  dis_ucode_ldr ')).toEqual([
      { key: 'root', value: '/dev/sda1' },
      { key: 'ro', value: null },
      { key: 'panic', value: '0' },
      { key: 'dis_ucode_ldr', value: null },
    ]);
  });

  it('keeps the value after the first "=" whole', () => {
    expect(parseCmdline('rdt=!l3cat,!mba memmap=4G@0x100000000 a=b=c')).toEqual([
      { key: 'rdt', value: '!l3cat,!mba' },
      { key: 'memmap', value: '4G@0x100000000' },
      { key: 'a', value: 'b=c' },
    ]);
  });

  it('reads quoted values and quoted words as the kernel does', () => {
    expect(parseCmdline('dyndbg="file foo.c +p" "acpi_osi=Linux x" empty=')).toEqual([
      { key: 'dyndbg', value: 'file foo.c +p' },
      { key: 'acpi_osi', value: 'Linux x' },
      { key: 'empty', value: '' },
    ]);
  });

  it('takes the rest of the line as one word after an unclosed quote', () => {
    expect(parseCmdline('a="b c d')).toEqual([{ key: 'a', value: 'b c d' }]);
    expect(hasUnbalancedQuote('a="b c d')).toBe(true);
    expect(hasUnbalancedQuote('a="b c" d')).toBe(false);
  });

  it('gives nothing for an empty line', () => {
    expect(parseCmdline('   ')).toEqual([]);
  });
});

describe('renderCmdline', () => {
  it('quotes values with white space and round-trips', () => {
    const text = 'parker=<control_structure> dyndbg="file foo.c +p" dis_ucode_ldr';
    expect(renderCmdline(parseCmdline(text))).toBe(text);
  });
});

describe('lookup', () => {
  const params = parseCmdline('mce=ignore_ce split-lock-detect=warn mce=no_cmci nosmt -- panic=10 single');

  it('returns the last occurrence, treating "-" and "_" alike', () => {
    expect(lookup(params, 'mce')).toEqual({ key: 'mce', value: 'no_cmci' });
    expect(lookupValue(params, 'split_lock_detect')).toBe('warn');
    expect(lookupValue(params, 'nosmt')).toBeNull();
    expect(lookupValue(params, 'tsx')).toBeUndefined();
  });

  it('ignores what follows "--" (arguments for init)', () => {
    expect(lookup(params, 'panic')).toBeUndefined();
    expect(lookup(params, 'single')).toBeUndefined();
  });

  it('lists every occurrence and every comma-separated option', () => {
    expect(lookupAll(params, 'mce').map((p) => p.value)).toEqual(['ignore_ce', 'no_cmci']);
    expect(listOptions(parseCmdline('rdt=!l3cat,!mba rdt=cmt'), 'rdt')).toEqual(['!l3cat', '!mba', 'cmt']);
  });

  it('describes a setting for comparing kernels', () => {
    expect(describeSetting(params, 'split_lock_detect')).toBe('split_lock_detect=warn');
    expect(describeSetting(params, 'nosmt')).toBe('nosmt');
    expect(describeSetting(params, 'tsx')).toBe('(not set)');
  });
});
