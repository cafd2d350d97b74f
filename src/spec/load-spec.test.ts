import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ParkerError } from '../units/parker-error.js';
import { formatDiagnostic, loadSpec, loadSpecFile, locateDiagnostic, type LoadedSpec } from './load-spec.js';

/** A small valid layout; tests edit single lines of it so positions stay obvious. */
const GOOD = `apiVersion: parker/v1alpha1
kind: Layout
metadata:
  name: lab
boot:
  cpus: { count: 4 }
  devices: ["0000:00:1f.0"]
kernels:
  - name: db
    cpus: "8-15"
    memory: 16G
    image: /boot/vmlinuz-parker
  - name: web
    cpus: { count: 16, placement: spread }
    memory: 8G
    devices:
      - { class: net, count: 2 }
    image: /boot/vmlinuz-parker
    stop:
      command: [ssh, web, poweroff]
`;

function lines(result: LoadedSpec): string[] {
  return result.diagnostics.map((d) => formatDiagnostic(d, result.locate));
}

describe('loadSpec on a valid layout', () => {
  const result = loadSpec(GOOD, 'lab.yaml');

  test('no diagnostics', () => {
    expect(result.diagnostics).toEqual([]);
  });

  test('the spec has the defaults filled in', () => {
    expect(result.spec?.boot).toEqual({ cpus: { count: 4 }, devices: ['0000:00:1f.0'], cmdline: '' });
    expect(result.spec?.kernels[0]).toEqual({
      name: 'db',
      cpus: '8-15',
      memory: '16G',
      devices: [],
      image: '/boot/vmlinuz-parker',
      cmdline: '',
      profile: 'balanced',
      order: 0,
      bootTimeout: '120s',
      ready: { pattern: 'Run \\S+ as init process', timeout: '120s' },
    });
    expect(result.spec?.kernels[1]?.cpus).toEqual({ count: 16, placement: 'spread', granularity: 'core' });
    expect(result.spec?.kernels[1]?.devices).toEqual([{ class: 'net', count: 2, local: true }]);
    expect(result.spec?.kernels[1]?.stop).toEqual({ command: ['ssh', 'web', 'poweroff'], timeout: '60s' });
  });

  test('locate: keys point at the key, items at the item', () => {
    expect(result.locate(['kernels', 1, 'memory'])).toEqual({ file: 'lab.yaml', line: 15, col: 5 });
    expect(result.locate(['kernels', 1])).toEqual({ file: 'lab.yaml', line: 13, col: 5 });
    expect(result.locate(['kernels', 1, 'devices', 0, 'count'])).toEqual({ file: 'lab.yaml', line: 17, col: 23 });
    expect(result.locate(['boot', 'cpus', 'count'])).toEqual({ file: 'lab.yaml', line: 6, col: 11 });
    expect(result.locate(['boot', 'devices', 0])).toEqual({ file: 'lab.yaml', line: 7, col: 13 });
    expect(result.locate(['kernels', 1, 'stop', 'command', 2])).toEqual({ file: 'lab.yaml', line: 20, col: 27 });
    expect(result.locate([])).toEqual({ file: 'lab.yaml', line: 1, col: 1 });
  });

  test('locate: a path past the file stops at the nearest part that exists', () => {
    expect(result.locate(['kernels', 0, 'profile'])).toEqual({ file: 'lab.yaml', line: 9, col: 5 });
    expect(result.locate(['kernels', 7, 'cpus'])).toEqual({ file: 'lab.yaml', line: 8, col: 1 });
    expect(result.locate(['kernels', 0, 'memory', 'deeper'])).toEqual({ file: 'lab.yaml', line: 11, col: 5 });
    expect(result.locate(['nowhere'])).toEqual({ file: 'lab.yaml', line: 1, col: 1 });
  });
});

describe('schema errors, located', () => {
  test('an unknown key nested in kernels[1].devices[0], with did-you-mean', () => {
    const result = loadSpec(GOOD.replace('{ class: net, count: 2 }', '{ class: net, cuont: 2 }'), 'lab.yaml');
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'unknown-key',
        message: 'unknown key "cuont" in kernels[1].devices[0]',
        fix: 'did you mean `count`?',
        path: ['kernels', 1, 'devices', 0, 'cuont'],
        kernels: ['web'],
      },
    ]);
    expect(lines(result)).toEqual(['lab.yaml:17:23 error unknown-key: unknown key "cuont" in kernels[1].devices[0]\n  fix: did you mean `count`?']);
  });

  test('unknown keys alone: the spec comes back without them, and is checked further', () => {
    const result = loadSpec(GOOD.replace('{ class: net, count: 2 }', '{ class: net, cuont: 2 }').replace('memory: 16G', 'memory: 1536M'), 'lab.yaml');
    expect(result.spec?.kernels[1]?.devices).toEqual([{ class: 'net', count: 1, local: true }]);
    expect(result.diagnostics.map((d) => d.rule)).toEqual(['memory-gib', 'unknown-key']);
  });

  test('unknown keys beside other schema errors: no spec', () => {
    const result = loadSpec(GOOD.replace('{ class: net, count: 2 }', '{ class: net, cuont: 2 }').replace('memory: 16G', 'memory: lots'), 'lab.yaml');
    expect(result.spec).toBeNull();
    expect(result.diagnostics.map((d) => d.rule)).toEqual(['bad-value', 'unknown-key']);
  });

  test('an unknown key with nothing close lists the allowed keys', () => {
    const result = loadSpec(GOOD.replace('    memory: 16G\n', '    memory: 16G\n    hugepages: 4\n'), 'lab.yaml');
    expect(lines(result)).toEqual([
      'lab.yaml:12:5 error unknown-key: unknown key "hugepages" in kernels[0]\n' +
        '  fix: remove it; kernels[0] accepts: name, cpus, memory, devices, image, initrd, cmdline, config, profile, console, consoleSource, ready, order, bootTimeout, stop',
    ]);
  });

  test('"cpu" for "cpus"', () => {
    const result = loadSpec(GOOD.replace('    cpus: "8-15"', '    cpu: "8-15"'), 'lab.yaml');
    expect(lines(result)).toEqual([
      'lab.yaml:10:5 error unknown-key: unknown key "cpu" in kernels[0]\n  fix: did you mean `cpus`?',
      'lab.yaml:9:5 error missing-key: kernels[0] has no `cpus`, which is required\n' +
        '  fix: write either `cpus: "8-15,136-143"` (these CPUs) or `cpus: { count: 16, placement: packed }` (parker chooses)',
    ]);
  });

  test('a bad size', () => {
    const result = loadSpec(GOOD.replace('memory: 8G', 'memory: 8 gigs'), 'lab.yaml');
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'bad-value',
        message: 'kernels[1].memory "8 gigs" must be a size such as "16G" or "512M"',
        fix: 'memory size, whole GiB (Parker allocates in 1 GiB units from the CMA pool)',
        path: ['kernels', 1, 'memory'],
        kernels: ['web'],
      },
    ]);
    expect(result.locate(result.diagnostics[0]!.path!)).toEqual({ file: 'lab.yaml', line: 15, col: 5 });
  });

  test('a size without its unit says which unit to add', () => {
    const result = loadSpec(GOOD.replace('memory: 16G', 'memory: 16'), 'lab.yaml');
    expect(lines(result)).toEqual(['lab.yaml:11:5 error bad-value: kernels[0].memory must be a string, not the number 16\n  fix: add the unit: `memory: 16G`']);
  });

  test('a missing `image` is reported at its kernel', () => {
    const result = loadSpec(GOOD.replace('    image: /boot/vmlinuz-parker\n  - name: web', '  - name: web'), 'lab.yaml');
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'missing-key',
        message: 'kernels[0] has no `image`, which is required',
        fix: "add `image:` (absolute path of the kernel image (bzImage) on the boot kernel's filesystem)",
        path: ['kernels', 0, 'image'],
        kernels: ['db'],
      },
    ]);
    expect(lines(result)[0]).toBe("lab.yaml:9:5 error missing-key: kernels[0] has no `image`, which is required\n  fix: add `image:` (absolute path of the kernel image (bzImage) on the boot kernel's filesystem)");
  });

  test('a relative image or initrd is refused: kexec runs wherever parker runs, not where the layout is', () => {
    const result = loadSpec(GOOD.replace('    image: /boot/vmlinuz-parker\n  - name: web', '    image: vmlinuz-parker\n    initrd: ./initrd.img\n  - name: web'), 'lab.yaml');
    expect(lines(result).map((l) => l.split('\n')[0])).toEqual([
      'lab.yaml:12:5 error bad-value: kernels[0].image "vmlinuz-parker" must be an absolute path on the boot kernel\'s filesystem, such as /boot/vmlinuz-parker',
      'lab.yaml:13:5 error bad-value: kernels[0].initrd "./initrd.img" must be an absolute path on the boot kernel\'s filesystem, such as /boot/initrd-parker.img',
    ]);
  });

  test('a missing top-level literal gives the line to paste', () => {
    const result = loadSpec(GOOD.replace('kind: Layout\n', ''), 'lab.yaml');
    expect(lines(result)).toEqual(['lab.yaml:1:1 error missing-key: the layout has no `kind`, which is required\n  fix: add `kind: Layout`']);
  });

  test('a wrong apiVersion names the accepted one', () => {
    const result = loadSpec(GOOD.replace('parker/v1alpha1', 'parker/v1'), 'lab.yaml');
    expect(lines(result)).toEqual([
      'lab.yaml:1:1 error bad-value: apiVersion is "parker/v1"; the only accepted value is "parker/v1alpha1"\n  fix: write `apiVersion: parker/v1alpha1`',
    ]);
  });

  test('cpus of neither form explains both', () => {
    const result = loadSpec(GOOD.replace('cpus: "8-15"', 'cpus: 8'), 'lab.yaml');
    expect(lines(result)).toEqual([
      'lab.yaml:10:5 error bad-value: kernels[0].cpus is the number 8, which is none of the accepted forms: a CPU list string, or a mapping with `count` (and optional `placement`, `nodes`, `granularity`)\n' +
        '  fix: write either `cpus: "8-15,136-143"` (these CPUs) or `cpus: { count: 16, placement: packed }` (parker chooses)',
    ]);
  });

  test('a cpus mapping is judged as the count form', () => {
    const result = loadSpec(GOOD.replace('placement: spread', 'placement: spreed'), 'lab.yaml');
    expect(lines(result)).toEqual([
      'lab.yaml:14:24 error bad-value: kernels[1].cpus.placement is "spreed", which is not one of: packed, spread, nodes\n  fix: did you mean `spread`?',
    ]);
  });

  test('a device of none of the three forms lists them', () => {
    const result = loadSpec(GOOD.replace('{ class: net, count: 2 }', '{ pci: "41:00.0" }'), 'lab.yaml');
    expect(lines(result)).toEqual([
      'lab.yaml:17:9 error bad-value: kernels[1].devices[0] is a mapping, which is none of the accepted forms: a PCI address string, a mapping with `address` (and `force`), or a selector mapping with `class` (and `count`, `local`)\n' +
        '  fix: write one of `- "0000:41:00.0"`, `- { address: "0000:41:00.0", force: true }` or `- { class: nvme, count: 1, local: true }`',
    ]);
  });

  test('a device selector with a misspelt class', () => {
    const result = loadSpec(GOOD.replace('class: net', 'class: nets'), 'lab.yaml');
    expect(lines(result)).toEqual(['lab.yaml:17:11 error bad-value: kernels[1].devices[0].class is "nets", which is not one of: nvme, net, storage, gpu, accelerator, any\n  fix: did you mean `net`?']);
  });

  test('a device address with a misspelt key', () => {
    const result = loadSpec(GOOD.replace('{ class: net, count: 2 }', '{ adress: "41:00.0", force: true }'), 'lab.yaml');
    expect(lines(result)).toEqual([
      // Sorted by path: "address" before "adress".
      'lab.yaml:17:9 error missing-key: kernels[1].devices[0] has no `address`, which is required\n  fix: add `address:`',
      'lab.yaml:17:11 error unknown-key: unknown key "adress" in kernels[1].devices[0]\n  fix: did you mean `address`?',
    ]);
  });

  test('a name that is not a DNS label gets one to write', () => {
    const result = loadSpec(GOOD.replace('name: db', 'name: My_DB'), 'lab.yaml');
    expect(lines(result)).toEqual([
      'lab.yaml:9:5 error bad-value: kernels[0].name "My_DB" must be a DNS label: lower-case letters, digits and "-", at most 63, starting and ending with a letter or digit\n  fix: write `name: my-db`',
    ]);
  });

  test('an empty value', () => {
    const result = loadSpec(GOOD.replace('memory: 16G', 'memory:'), 'lab.yaml');
    expect(lines(result)).toEqual([
      'lab.yaml:11:5 error bad-value: kernels[0].memory is empty\n  fix: write a value after `memory:` (memory size, whole GiB (Parker allocates in 1 GiB units from the CMA pool))',
    ]);
  });

  test('numbers out of range and empty lists', () => {
    const result = loadSpec(GOOD.replace('count: 16,', 'count: 600,').replace('[ssh, web, poweroff]', '[]'), 'lab.yaml');
    expect(lines(result)).toEqual([
      'lab.yaml:14:13 error bad-value: kernels[1].cpus.count is 600; it must be at most 512\n  fix: number of CPUs (hardware threads)',
      'lab.yaml:20:7 error bad-value: kernels[1].stop.command has 0 entries; it needs at least 1 entry\n  fix: argv run on the boot kernel to ask this kernel to power off',
    ]);
  });

  test('values of the wrong type say how to write the right one', () => {
    const text = GOOD.replace('count: 16,', 'count: "16",').replace('      command: [ssh, web, poweroff]', '      command: ssh web poweroff').replace('name: lab', 'name: 42');
    expect(lines(loadSpec(text, 'lab.yaml'))).toEqual([
      'lab.yaml:14:13 error bad-value: kernels[1].cpus.count must be a whole number, not "16"\n  fix: write a whole number without quotes (number of CPUs (hardware threads))',
      'lab.yaml:20:7 error bad-value: kernels[1].stop.command must be a list, not "ssh web poweroff"\n' +
        '  fix: write a list under `command:`, one entry per line starting with "- ", or [a, b] (argv run on the boot kernel to ask this kernel to power off)',
      'lab.yaml:4:3 error bad-value: metadata.name must be a string, not the number 42\n  fix: quote it: `name: "42"`',
    ]);
    expect(lines(loadSpec(GOOD.replace(/kernels:[^]*/, 'kernels: { name: db }\n'), 'lab.yaml'))).toEqual([
      'lab.yaml:8:1 error bad-value: kernels must be a list, not a mapping\n  fix: write a list under `kernels:`, one entry per line starting with "- ", or [a, b]',
    ]);
  });

  test('a one-line file without a newline is located on line 1', () => {
    const text = '{ apiVersion: parker/v1alpha1, kind: Layout, metadata: { name: a }, kernels: [], colour: red }';
    expect(lines(loadSpec(text, 'x.yaml'))).toEqual(['x.yaml:1:82 error unknown-key: unknown key "colour" in the layout\n  fix: remove it; the layout accepts: apiVersion, kind, metadata, boot, kernels']);
  });

  test('a document that is not a mapping', () => {
    expect(lines(loadSpec('- a\n- b\n', 'x.yaml'))).toEqual([
      'x.yaml:1:1 error schema: the layout must be a mapping, not a list\n  fix: start from examples/default.yaml: apiVersion, kind, metadata and kernels at the top level',
    ]);
    expect(lines(loadSpec('', 'x.yaml'))).toEqual([
      'x.yaml:1:1 error schema: the layout must be a mapping, not empty\n  fix: start from examples/default.yaml: apiVersion, kind, metadata and kernels at the top level',
    ]);
  });
});

describe('YAML syntax errors', () => {
  test('a key without its colon', () => {
    const result = loadSpec(GOOD.replace('    memory: 8G', '    memory 8G'), 'lab.yaml');
    expect(result.spec).toBeNull();
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'yaml-syntax',
        message: 'Implicit keys need to be on a single line',
        fix: 'add the missing `:` after the key, or quote the text',
        at: { line: 15, col: 5 },
      },
    ]);
    expect(lines(result)).toEqual(['lab.yaml:15:5 error yaml-syntax: Implicit keys need to be on a single line\n  fix: add the missing `:` after the key, or quote the text']);
  });

  test('a duplicate key', () => {
    const result = loadSpec(GOOD.replace('    memory: 16G\n', '    memory: 16G\n    memory: 32G\n'), 'lab.yaml');
    expect(lines(result)).toEqual(['lab.yaml:12:5 error yaml-syntax: Map keys must be unique\n  fix: remove one of the two entries with this key']);
  });

  test('a tab in the indentation', () => {
    const result = loadSpec('apiVersion: parker/v1alpha1\nmetadata:\n\tname: lab\n', 'lab.yaml');
    expect(lines(result)[0]).toBe('lab.yaml:3:1 error yaml-syntax: Tabs are not allowed as indentation\n  fix: indent with spaces, not tabs');
  });

  test('an alias without its anchor', () => {
    const result = loadSpec(GOOD.replace('image: /boot/vmlinuz-parker\n  - name: web', 'image: *kernel\n  - name: web'), 'lab.yaml');
    expect(lines(result)).toEqual(['lab.yaml:12:12 error yaml-syntax: the alias *kernel has no anchor &kernel before it\n  fix: define the anchor (&name) before using the alias (*name)']);
  });

  test('two documents in one file', () => {
    const result = loadSpec(`${GOOD}---\n${GOOD}`, 'lab.yaml');
    expect(lines(result)).toEqual(['lab.yaml:21:1 error yaml-syntax: Source contains multiple documents; please use YAML.parseAllDocuments()\n  fix: keep one layout per file: remove the second `---` and what follows']);
  });
});

describe('YAML conveniences', () => {
  const text = `apiVersion: parker/v1alpha1
kind: Layout
metadata: { name: lab }
kernels:
  - &common
    name: a
    cpus: { count: 8 }
    memory: 8G
    image: /boot/vmlinuz-parker
  - <<: *common
    name: b
    memory: 4G
`;

  test('anchors and merge keys share settings between kernels', () => {
    const result = loadSpec(text, 'lab.yaml');
    expect(result.diagnostics).toEqual([]);
    expect(result.spec?.kernels[1]).toMatchObject({ name: 'b', cpus: { count: 8 }, memory: '4G', image: '/boot/vmlinuz-parker' });
  });

  test("a kernel's own key is located where it is written; a merged one at the kernel", () => {
    const { locate } = loadSpec(text, 'lab.yaml');
    expect(locate(['kernels', 1, 'memory'])).toEqual({ file: 'lab.yaml', line: 12, col: 5 });
    expect(locate(['kernels', 1, 'image'])).toEqual({ file: 'lab.yaml', line: 10, col: 5 });
  });
});

describe('checks that need no machine', () => {
  const rules = (text: string) => loadSpec(text, 'lab.yaml');

  test('the spec is still returned beside its findings', () => {
    const result = rules(GOOD.replace('memory: 16G', 'memory: 1536M'));
    expect(result.spec?.kernels[0]?.memory).toBe('1536M');
    expect(lines(result)).toEqual([
      'lab.yaml:11:5 error memory-gib: memory "1536M" (1536M) is not a whole number of GiB: Parker allocates partition memory in 1 GiB units\n  fix: round up to 2G',
    ]);
  });

  test('memory the kernel would read differently', () => {
    expect(lines(rules(GOOD.replace('memory: 16G', 'memory: 016G')))).toEqual([
      'lab.yaml:11:5 error memory-size: invalid size "016G": a leading zero means octal to the kernel: drop the leading zeros\n  fix: write whole GiB such as "16G"',
    ]);
    expect(lines(rules(GOOD.replace('memory: 16G', 'memory: 0G')))).toEqual(['lab.yaml:11:5 error memory-size: memory "0G" is zero\n  fix: give at least 1G']);
  });

  test('duplicate kernel names: the second is the error', () => {
    const result = rules(GOOD.replace('name: web', 'name: db'));
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'unique-names',
        message: 'kernel name "db" is already used by kernels[0]',
        fix: 'give each kernel its own name',
        path: ['kernels', 1, 'name'],
        kernels: ['db'],
      },
    ]);
    expect(result.locate(result.diagnostics[0]!.path!)).toEqual({ file: 'lab.yaml', line: 13, col: 5 });
  });

  test('"boot" is reserved', () => {
    expect(lines(rules(GOOD.replace('name: web', 'name: boot')))).toEqual(['lab.yaml:13:5 error reserved-name: the name "boot" is reserved for the boot kernel\n  fix: choose another name']);
  });

  test('cpu lists that do not parse or are empty', () => {
    expect(lines(rules(GOOD.replace('cpus: "8-15"', 'cpus: "15-8"')))).toEqual([
      'lab.yaml:10:5 error cpu-list: invalid CPU list "15-8": range "15-8" runs backwards\n  fix: write CPUs as numbers and ranges, such as "8-15,136-143"',
    ]);
    expect(lines(rules(GOOD.replace('cpus: "8-15"', 'cpus: ""')))).toEqual([
      'lab.yaml:10:5 error cpu-list: the CPU list "" is empty\n  fix: list at least one CPU, or give a count: `cpus: { count: 8 }`',
    ]);
    expect(lines(rules(GOOD.replace('cpus: { count: 4 }', 'cpus: "0-1,x"')))).toEqual([
      'lab.yaml:6:3 error cpu-list: invalid CPU list "0-1,x": expected numbers and ranges such as "0-3,8,10-11"\n  fix: write CPUs as numbers and ranges, such as "8-15,136-143"',
    ]);
  });

  test('placement: nodes needs nodes; the other placements may narrow to nodes', () => {
    expect(lines(rules(GOOD.replace('placement: spread', 'placement: nodes')))).toEqual([
      'lab.yaml:14:24 error placement-nodes: `placement: nodes` needs the list of NUMA nodes to place on\n  fix: add `nodes: [1]` (the node numbers) next to `placement: nodes`',
    ]);
    expect(rules(GOOD.replace('placement: spread', 'placement: nodes, nodes: [2, 3]')).diagnostics).toEqual([]);
    expect(rules(GOOD.replace('placement: spread', 'placement: spread, nodes: [2, 3]')).diagnostics).toEqual([]);
  });

  test('the same device twice in one kernel, in two spellings', () => {
    const text = GOOD.replace('      - { class: net, count: 2 }\n', '      - "0000:41:00.0"\n      - { class: net }\n      - { address: "41:00.0" }\n');
    expect(lines(rules(text))).toEqual([
      'lab.yaml:19:9 error duplicate-device: device 0000:41:00.0 is listed twice (entries 0 and 2)\n  fix: remove the second entry',
    ]);
  });

  test('a device number past 1f', () => {
    expect(lines(rules(GOOD.replace('"0000:00:1f.0"', '"0000:00:3f.0"')))).toEqual([
      'lab.yaml:7:13 error pci-address: invalid PCI address "0000:00:3f.0": device number must be 00-1f\n  fix: write the address as lspci -D prints it, such as "0000:41:00.0"',
    ]);
  });

  test('zero durations', () => {
    const text = GOOD.replace('      command: [ssh, web, poweroff]\n', '      command: [ssh, web, poweroff]\n      timeout: 0s\n    bootTimeout: 0ms\n');
    expect(lines(rules(text))).toEqual([
      'lab.yaml:22:5 error duration: the duration "0ms" is zero: nothing can finish in no time\n  fix: give a time such as "90s"',
      'lab.yaml:21:7 error duration: the duration "0s" is zero: nothing can finish in no time\n  fix: give a time such as "90s"',
    ]);
  });
});

describe('formatDiagnostic', () => {
  const { locate } = loadSpec(GOOD, 'lab.yaml');

  test('a hazard id goes before the rule id', () => {
    const text = formatDiagnostic(
      { severity: 'error', rule: 'cpu-zero', hazard: 'H21', message: 'CPU 0 belongs to the boot kernel', fix: 'remove CPU 0 from cpus', path: ['kernels', 0, 'cpus'] },
      locate,
    );
    expect(text).toBe('lab.yaml:10:5 error H21 cpu-zero: CPU 0 belongs to the boot kernel\n  fix: remove CPU 0 from cpus');
  });

  test('a machine-wide finding has the file alone, and no fix line without a fix', () => {
    expect(formatDiagnostic({ severity: 'info', rule: 'no-dma-protection', hazard: 'H13', message: 'there is no DMA isolation between kernels' }, locate)).toBe(
      'lab.yaml info H13 no-dma-protection: there is no DMA isolation between kernels',
    );
    expect(locateDiagnostic({ severity: 'info', rule: 'x', message: 'y' }, locate)).toEqual({ file: 'lab.yaml' });
  });
});

describe('loadSpecFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-spec-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('reads the file and names it in locations', () => {
    const file = path.join(dir, 'layout.yaml');
    fs.writeFileSync(file, GOOD.replace('cpus: "8-15"', 'cpu: "8-15"'));
    const result = loadSpecFile(file);
    expect(result.locate(['kernels', 0, 'cpu'])).toEqual({ file, line: 10, col: 5 });
  });

  test('a missing file is E_SPEC_READ naming it', () => {
    const file = path.join(dir, 'nope.yaml');
    let error: unknown;
    try {
      loadSpecFile(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParkerError);
    expect((error as ParkerError).code).toBe('E_SPEC_READ');
    expect((error as ParkerError).message).toBe(`cannot read the layout file "${file}": no such file or directory`);
  });

  test('a directory is E_SPEC_READ', () => {
    expect(() => loadSpecFile(dir)).toThrow(`cannot read the layout file "${dir}": it is a directory`);
  });
});

describe('ready', () => {
  const base = `apiVersion: parker/v1alpha1
kind: Layout
metadata: { name: t }
kernels:
  - name: a
    cpus: "2"
    memory: 1G
    image: /boot/vmlinuz
`;
  test('takes a pattern and a timeout, or false, and names where the console is read from', () => {
    const custom = loadSpec(`${base}    consoleSource: /dev/ttyS4\n    ready: { pattern: "parker-lab: userspace ready", timeout: 90s }\n`, 't.yaml');
    expect(custom.spec?.kernels[0]).toMatchObject({ consoleSource: '/dev/ttyS4', ready: { pattern: 'parker-lab: userspace ready', timeout: '90s' } });
    expect(loadSpec(`${base}    ready: false\n`, 't.yaml').spec?.kernels[0]?.ready).toBe(false);
    expect(loadSpec(`${base}    ready: { timeout: 5m }\n`, 't.yaml').spec?.kernels[0]?.ready).toEqual({ pattern: 'Run \\S+ as init process', timeout: '5m' });
  });

  test('refuses a pattern that is not a regular expression', () => {
    const bad = loadSpec(`${base}    ready: { pattern: "Run (" }\n`, 't.yaml');
    expect(bad.spec).toBeNull();
    expect(bad.diagnostics.map((d) => d.message).join('\n')).toMatch(/must be a regular expression/);
  });
  test('says a layout nests too deeply, rather than what the parser ran out of', () => {
    const result = loadSpec('kernels: ' + '['.repeat(20_000) + ']'.repeat(20_000), 'deep.yaml');
    expect(result.spec).toBeNull();
    expect(result.diagnostics.map((d) => [d.rule, d.message])).toContainEqual(['yaml-syntax', 'the YAML nests too deeply to be read (thousands of levels of brackets or indentation)']);
    expect(result.diagnostics.map((d) => d.message).join(' ')).not.toContain('call stack');
  });
});
