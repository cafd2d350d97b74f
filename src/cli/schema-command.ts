import { Command, Option } from 'commander';
import { layoutJsonSchemaText } from '../spec/layout-json-schema.js';
import type { CommandContext } from './command-context.js';

export function schemaCommand(ctx: CommandContext): Command {
  return new Command('schema')
    .description('print the JSON Schema of the layout YAML, for editors and CI')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json']).default('json'))
    .addHelpText(
      'after',
      '\nThe same schema is committed as schema/layout.schema.json. To have an editor check a layout as it is\n' +
        'typed, put this first line in the YAML file (yaml-language-server, used by VS Code and others):\n' +
        '  # yaml-language-server: $schema=<path to>/schema/layout.schema.json',
    )
    .action(() => {
      ctx.out(layoutJsonSchemaText());
    });
}
