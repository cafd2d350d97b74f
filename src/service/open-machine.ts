import { errnoWords } from '../units/errno-words.js';
import * as fs from 'node:fs';
import { ParkerError } from '../units/parker-error.js';
import { DirectoryFs } from '../machines/directory-fs.js';
import { READ_LIMITS, readBoundedFile } from '../machines/bounded-read.js';
import type { Machine } from '../machines/machine.js';
import { readOnlyMachine } from '../machines/read-only-machine.js';
import { openSnapshot, readUnpackedMeta, withRecordedHardware } from '../snapshot/snapshot.js';
import { hwlocXmlMachine, looksLikeXml } from '../hwloc/hwloc-import.js';
import { syntheticMachine } from '../synthetic/tree.js';
import { openSimMachine } from '../machines/sim/sim-machine.js';
import { stateDirOf } from './state-dir.js';
import { hostChosen, machineFlagsGiven, openHost } from './open-host.js';
import type { MachineChoice as MachineFlags } from './machine-choice.js';

const MACHINE_NAMES = ['sim', 'host'] as const;

/** The one place that turns the machine flags into a Machine (docs/cli.md, "Choosing a machine"). */
export function openMachine(flags: MachineFlags, options: { writable?: boolean } = {}): Machine {
  const given = machineFlagsGiven(flags);
  if (given.length > 1) {
    throw new ParkerError(
      'E_USAGE',
      `choose one machine: ${given.map((k) => `--${k}`).join(' and ')} were both given`,
      'keep one of --machine, --root, --synthetic, --from',
    );
  }
  if (flags.root !== undefined) {
    if (!fs.existsSync(flags.root) || !fs.statSync(flags.root).isDirectory()) {
      const what = fs.existsSync(flags.root) ? 'a file, not a directory' : 'no such directory';
      throw new ParkerError('E_MACHINE', `--root ${flags.root}: ${what}`, fs.existsSync(flags.root) ? 'a snapshot archive goes to --from; --root takes a directory that holds sys/ and proc/' : 'pass a directory that holds sys/ and proc/');
    }
    const dir = new DirectoryFs(flags.root);
    if (!dir.isDirectory('sys')) {
      throw new ParkerError('E_MACHINE', `--root ${flags.root} has no sys/ directory`, 'pass the directory that holds the copied sys/ and proc/');
    }
    // An unpacked `parker gather` archive keeps its metadata, and the hardware it recorded, beside sys/.
    return withRecordedHardware(readOnlyMachine(dir, 'root', `sysfs tree ${dir.root}`), readUnpackedMeta(dir));
  }
  if (flags.synthetic !== undefined) {
    return syntheticMachine(flags.synthetic);
  }
  if (flags.from !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = readBoundedFile(flags.from, READ_LIMITS.snapshot, 'snapshot');
    } catch (e) {
      if (e instanceof ParkerError) throw e;
      throw new ParkerError('E_MACHINE', `--from ${flags.from}: ${errnoWords(e)}`, 'pass a file written by `parker gather -f FILE`');
    }
    // hwloc XML (lstopo --of xml) is read as the machine it describes.
    if (looksLikeXml(bytes)) return hwlocXmlMachine(new TextDecoder().decode(bytes), flags.from);
    return openSnapshot(bytes, flags.from).machine;
  }
  if (hostChosen(flags)) return openHost(flags, options);
  const name = flags.machine ?? 'sim';
  if (name === 'sim') return openSimMachine(stateDirOf(flags));
  throw new ParkerError('E_USAGE', `unknown machine "${name}"`, `use one of: ${MACHINE_NAMES.join(', ')}`);
}

