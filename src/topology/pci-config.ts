/** What discovery needs from a PCI function's configuration space. */
export interface PciConfigFacts {
  /** Header type without the multi-function bit (0 device, 1 PCI bridge, 2 CardBus bridge). */
  headerType: number | null;
  /** Whether the MSI / MSI-X capability is present; null when the bytes do not tell. */
  msi: boolean | null;
  msix: boolean | null;
  /** PCI Express device/port type (4 root port, 5 upstream, 6 downstream), null if not seen. */
  pcieType: number | null;
}

export const PCI_CAP_ID_MSI = 0x05;
export const PCI_CAP_ID_EXP = 0x10;
export const PCI_CAP_ID_MSIX = 0x11;

/** The standard header; the capability list starts at or after it. */
const HEADER_BYTES = 64;
const STATUS = 0x06;
const STATUS_CAP_LIST = 0x10;
const HEADER_TYPE = 0x0e;
const CAPABILITY_LIST = 0x34;
/** The kernel gives up after this many capabilities (PCI_FIND_CAP_TTL). */
const MAX_CAPABILITIES = 48;

const UNKNOWN: PciConfigFacts = { headerType: null, msi: null, msix: null, pcieType: null };

/**
 * Reads the header type and walks the capability list of a config space dump. Users other
 * than root can read only the first 64 bytes: the list pointer is there but the
 * capabilities usually lie beyond, so a capability not yet found when the walk leaves the
 * readable bytes is unknown (null), not absent. A list that loops or points into the header
 * ends the walk as the kernel's own search ends it: what was not found is absent.
 */
export function parsePciConfig(config: Uint8Array): PciConfigFacts {
  if (config.length < HEADER_BYTES) return UNKNOWN;
  const headerType = config[HEADER_TYPE]! & 0x7f;
  let msi = false;
  let msix = false;
  let pcieType: number | null = null;
  let truncated = false;
  if ((config[STATUS]! & STATUS_CAP_LIST) !== 0) {
    const seen = new Set<number>();
    let pos = config[CAPABILITY_LIST]! & 0xfc;
    while (pos !== 0 && seen.size < MAX_CAPABILITIES) {
      if (pos < HEADER_BYTES || seen.has(pos)) break;
      if (pos + 1 >= config.length) {
        truncated = true;
        break;
      }
      seen.add(pos);
      const id = config[pos]!;
      if (id === 0xff) break;
      if (id === PCI_CAP_ID_MSI) msi = true;
      if (id === PCI_CAP_ID_MSIX) msix = true;
      if (id === PCI_CAP_ID_EXP && pos + 2 < config.length) pcieType = (config[pos + 2]! >> 4) & 0xf;
      pos = config[pos + 1]! & 0xfc;
    }
  }
  return { headerType, msi: msi || (truncated ? null : false), msix: msix || (truncated ? null : false), pcieType };
}

/** PCIe device/port types that forward to a bus below them: ports (4-6) and bridges (7-8). */
const PORT_TYPES = new Set([4, 5, 6, 7, 8]);

/**
 * A function that forwards to another bus: a bridge header (type 1 or 2), the PCI-to-PCI or
 * semi-transparent bridge classes (0x0604, 0x0609), or a PCI Express port or bridge.
 */
export function isPciBridge(classCode: number | null, facts: PciConfigFacts): boolean {
  const subclass = classCode === null ? null : classCode >>> 8;
  return (
    facts.headerType === 1 ||
    facts.headerType === 2 ||
    subclass === 0x0604 ||
    subclass === 0x0609 ||
    (facts.pcieType !== null && PORT_TYPES.has(facts.pcieType))
  );
}
