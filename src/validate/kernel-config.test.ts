import { describe, expect, it } from 'vitest';
import { configValue, isEnabled, parseKernelConfig } from './kernel-config.js';

const DOT_CONFIG = `#
# Automatically generated file; DO NOT EDIT.
# Linux/x86 6.1.0 Kernel Configuration
#
CONFIG_CC_VERSION_TEXT="gcc (Debian 12.2.0-14) 12.2.0"
CONFIG_KEXEC=y
CONFIG_X86_PKG_TEMP_THERMAL=m
# CONFIG_INTEL_RAPL is not set
CONFIG_PANIC_TIMEOUT=0
CONFIG_LOCALVERSION="a \\"quoted\\" \\\\ name"
CONFIG_EXPLICIT_NO=n

`;

describe('parseKernelConfig', () => {
  it('reads y, m, n, numbers, strings and "is not set"', () => {
    const config = parseKernelConfig(DOT_CONFIG);
    expect([...config.options]).toEqual([
      ['CONFIG_CC_VERSION_TEXT', 'gcc (Debian 12.2.0-14) 12.2.0'],
      ['CONFIG_KEXEC', 'y'],
      ['CONFIG_X86_PKG_TEMP_THERMAL', 'm'],
      ['CONFIG_INTEL_RAPL', 'n'],
      ['CONFIG_PANIC_TIMEOUT', '0'],
      ['CONFIG_LOCALVERSION', 'a "quoted" \\ name'],
      ['CONFIG_EXPLICIT_NO', 'n'],
    ]);
    expect(config.invalidLines).toEqual([]);
  });

  it('answers by name with or without the CONFIG_ prefix', () => {
    const config = parseKernelConfig(DOT_CONFIG);
    expect(configValue(config, 'KEXEC')).toBe('y');
    expect(configValue(config, 'CONFIG_PANIC_TIMEOUT')).toBe('0');
    expect(configValue(config, 'HOTPLUG_CPU')).toBeUndefined();
    expect([isEnabled(config, 'KEXEC'), isEnabled(config, 'X86_PKG_TEMP_THERMAL'), isEnabled(config, 'INTEL_RAPL'), isEnabled(config, 'HOTPLUG_CPU')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('keeps lines that are not Kconfig output aside, with their line numbers', () => {
    const config = parseKernelConfig('CONFIG_A=y\nMZ\u0000binary\nCONFIG_B="unclosed\nCONFIG_C=two words\n');
    expect(config.invalidLines).toEqual([
      { line: 2, text: 'MZ\u0000binary' },
      { line: 3, text: 'CONFIG_B="unclosed' },
      { line: 4, text: 'CONFIG_C=two words' },
    ]);
    expect([...config.options]).toEqual([['CONFIG_A', 'y']]);
  });
});
