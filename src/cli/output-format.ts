import { Option } from 'commander';
import { stringify as toYaml } from 'yaml';

export type OutputFormat = 'table' | 'json' | 'yaml';

export function outputOption(extra: readonly string[] = []): Option {
  return new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml', ...extra]).default('table');
}

/** Machine-readable forms print the same data object; `table` is for people. */
export function printData(format: string, data: unknown, table: () => string, out: (text: string) => void): void {
  if (format === 'json') out(JSON.stringify(data, null, 2) + '\n');
  else if (format === 'yaml') out(toYaml(data, { lineWidth: 0 }));
  else out(table());
}
