import type { Command } from 'commander';
import { layoutJsonSchemaText } from '../spec/layout-json-schema.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import type { CommandContext } from './command-context.js';

export function schemaCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('schema')).action(() => {
    ctx.out(layoutJsonSchemaText());
  });
}
