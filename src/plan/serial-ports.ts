import { lookupAll } from './cmdline-params.js';
import type { CmdlineItem } from './cmdline-params.js';

/** The PC's legacy serial I/O ports, as the 8250 driver numbers them. */
const LEGACY_IO_PORTS: Readonly<Record<number, string>> = { 0x3f8: 'ttyS0', 0x2f8: 'ttyS1', 0x3e8: 'ttyS2', 0x2e8: 'ttyS3' };

export const CONSOLE_BAUD = 115200;

/** "ttyS1" -> 1; null for anything else. */
export function serialPortNumber(port: string): number | null {
  const m = /^ttyS(\d+)$/.exec(port);
  return m ? Number(m[1]) : null;
}

/**
 * Serial ports a command line drives: `console=ttySn[,...]` or `console=uart[8250],io,0xIO`,
 * `earlyprintk=serial[,ttySn|,0xIO]` or `earlyprintk=ttySn`, and `earlycon=uart[8250],io,0xIO`.
 * Sorted, unique.
 */
export function serialPortsOf(params: readonly CmdlineItem[]): string[] {
  const ports = new Set<string>();
  for (const p of lookupAll(params, 'console')) {
    const port = /^(ttyS\d+)/.exec(p.value ?? '')?.[1] ?? uartPort(p.value ?? '');
    if (port) ports.add(port);
  }
  for (const p of lookupAll(params, 'earlyprintk')) {
    const options = (p.value ?? '').split(',');
    const named = options.map(portOfOption).find((port) => port !== null);
    if (named) ports.add(named);
    else if (options[0] === 'serial') ports.add('ttyS0');
  }
  for (const p of lookupAll(params, 'earlycon')) {
    const port = uartPort(p.value ?? '');
    if (port) ports.add(port);
  }
  return [...ports].sort((a, b) => (serialPortNumber(a) ?? 0) - (serialPortNumber(b) ?? 0));
}

/** The serial ports a command line's `console=` parameters name: where that kernel's console is. */
export function consolePortsOf(params: readonly CmdlineItem[]): string[] {
  return serialPortsOf(params.filter((p) => p.key === 'console'));
}

function portOfOption(option: string): string | null {
  if (/^ttyS\d+$/.test(option)) return option;
  if (/^0x[0-9a-fA-F]+$/.test(option)) return LEGACY_IO_PORTS[Number(option)] ?? null;
  return null;
}

/** "uart8250,io,0x2f8,115200" -> "ttyS1": the legacy port an I/O-port UART console names. */
function uartPort(value: string): string | null {
  const options = value.split(',');
  if (!/^uart(8250)?$/.test(options[0] ?? '') || options[1] !== 'io') return null;
  return portOfOption(options[2] ?? '');
}
