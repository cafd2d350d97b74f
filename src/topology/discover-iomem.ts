import { parsePhysRange, type PhysRange } from '../units/phys-range.js';

export interface IomemRam {
  /** Top-level "System RAM" ranges, by start address. */
  systemRam: PhysRange[];
  /** Top-level "Reserved" ranges, by start address. */
  reserved: PhysRange[];
}

/**
 * The top-level RAM map of /proc/iomem: lines without indentation named "System RAM" or
 * "Reserved" (indented lines are resources inside them). For users other than root the
 * kernel prints every address as 00000000-00000000; such lines say nothing and are skipped,
 * which leaves both lists empty.
 */
export function parseIomem(text: string | null): IomemRam {
  const ram: IomemRam = { systemRam: [], reserved: [] };
  for (const line of (text ?? '').split('\n')) {
    const m = /^([0-9a-fA-F]+-[0-9a-fA-F]+) : (.*)$/.exec(line);
    if (!m) continue;
    const list = m[2]!.trim() === 'System RAM' ? ram.systemRam : m[2]!.trim() === 'Reserved' ? ram.reserved : null;
    if (list === null) continue;
    let range: PhysRange;
    try {
      range = parsePhysRange(m[1]!);
    } catch {
      continue; // beyond 2^53: no RAM lives there
    }
    if (range.start === 0 && range.end === 0) continue;
    list.push(range);
  }
  ram.systemRam.sort((a, b) => a.start - b.start);
  ram.reserved.sort((a, b) => a.start - b.start);
  return ram;
}
