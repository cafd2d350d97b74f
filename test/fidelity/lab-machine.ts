import { TreeFs, type FileTree } from '../../src/machines/file-tree.js';
import type { KernelFs } from '../../src/machines/machine.js';
import { readOnlyMachine } from '../../src/machines/read-only-machine.js';
import { memorySimMachine, type SimMachine } from '../../src/machines/sim/sim-machine.js';
import { gatherSnapshot } from '../../src/snapshot/snapshot.js';
import { parseSyntheticDescription, type SyntheticPciDevice } from '../../src/synthetic/description.js';
import { buildSyntheticTree } from '../../src/synthetic/tree.js';

/**
 * The Parker lab VM as lab/parker/boot.sh makes it, for the simulator to replay the fidelity
 * script on until a snapshot of the real VM is recorded beside the transcript: q35, 4 vCPUs
 * on 2 sockets (cpus 0-1 on node 0, 2-3 on node 1), two 2 GiB NUMA nodes (node 0 below
 * 2 GiB, node 1 at 4 GiB), no IOMMU, an NVMe drive at 00:04.0, the PCI serial port that
 * carries the application kernel's console at 00:05.0 and the q35 chipset functions at 00:1f.
 * As on q35 with more than 2.75 GiB, firmware tables (ACPI) take the last 128 KiB below
 * 2 GiB, so RAM below 4 GiB ends at 0x7ffdffff.
 */
export const LAB_CMDLINE = 'console=ttyS0,115200 parker_cma=0:1G,1:1G nokaslr panic=-1';

const device = (address: string, classCode: number, driver: string | null, label: string, msix = 0): SyntheticPciDevice => ({
  address,
  vendor: classCode === 0x010802 ? 0x1b36 : 0x8086,
  device: classCode === 0x010802 ? 0x0010 : 0x2930,
  subsystemVendor: 0x1af4,
  subsystemDevice: 0x1100,
  classCode,
  revision: 0x02,
  driver,
  node: null,
  iommuGroup: 0,
  parent: null,
  msi: classCode === 0x010802,
  msixVectors: msix,
  sriovTotalVfs: 0,
  link: { gen: 1, width: 1 },
  label,
});

export const LAB_DEVICES: SyntheticPciDevice[] = [
  device('0000:00:04.0', 0x010802, 'nvme', 'NVMe drive', 65),
  device('0000:00:05.0', 0x070002, 'serial', 'PCI serial port (application console)'),
  device('0000:00:1f.0', 0x060100, null, 'ISA bridge'),
  device('0000:00:1f.2', 0x010601, null, 'SATA controller'),
  device('0000:00:1f.3', 0x0c0500, null, 'SMBus'),
];

function labTree(): FileTree {
  const d = { ...parseSyntheticDescription('pack:2 core:2 pu:1 mem:2G'), cmdline: LAB_CMDLINE, pciDevices: LAB_DEVICES };
  const tree = buildSyntheticTree(d);
  // No IOMMU in the lab VM.
  tree.remove('sys/kernel/iommu_groups');
  for (const dev of LAB_DEVICES) {
    const dir = tree.realpath(`sys/bus/pci/devices/${dev.address}`);
    if (dir) tree.remove(`${dir}/iommu_group`);
  }
  // RAM below 4 GiB ends under the ACPI tables.
  const iomem = tree.get('proc/iomem');
  const text = iomem?.type === 'file' ? String(iomem.data) : '';
  tree.file('proc/iomem', text.replace(/^00100000-([0-9a-f]+) : System RAM$/m, '00100000-7ffdffff : System RAM\n7ffe0000-7fffffff : Reserved'));
  return tree;
}

/** What the fidelity script reads beside discovery: a snapshot must hold them too. */
export function readPoolFiles(fs: KernelFs): void {
  for (const path of ['proc/meminfo', 'proc/zoneinfo', 'proc/mounts']) if (fs.exists(path)) fs.read(path);
}

/** The lab VM, simulated: a fresh machine each call. `snapshot` (a recorded gather) replaces the description. */
export function labSimMachine(snapshot?: Uint8Array, cmdline = LAB_CMDLINE): SimMachine {
  const bytes = snapshot ?? gatherSnapshot(readOnlyMachine(new TreeFs(labTree()), 'synthetic', 'Parker lab VM (described)', 'x86_64'), { hostname: 'parker-lab-boot', parkerVersion: 'test', now: new Date(0), alsoRead: readPoolFiles }).bytes;
  return memorySimMachine({ kind: 'archive', path: 'parker-lab' }, cmdline, bytes);
}
