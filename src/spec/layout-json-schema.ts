import * as z from 'zod/mini';
import { API_VERSION, layoutSchema } from './spec-schema.js';

/** "urn:parker:schema:layout:v1alpha1": names the schema; editors find it by path or URL. */
export const LAYOUT_SCHEMA_ID = `urn:parker:schema:layout:${API_VERSION.split('/').pop()!}`;

/**
 * The JSON Schema of the layout YAML, for editors (yaml-language-server, JetBrains): the
 * input side of the zod schema, so keys with defaults are optional and show their default.
 * Draft 7 is the draft every editor understands. Committed as schema/layout.schema.json.
 */
export function layoutJsonSchema(): Record<string, unknown> {
  const { $schema, ...generated } = z.toJSONSchema(layoutSchema, {
    io: 'input',
    target: 'draft-07',
    override: ({ jsonSchema }) => {
      // z.number().int() carries the safe-integer bounds; they say nothing to a person.
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    },
  });
  return {
    $schema,
    $id: LAYOUT_SCHEMA_ID,
    title: 'parker layout',
    description: `How one machine is split into a boot kernel and application kernels (apiVersion ${API_VERSION}). See docs/spec.md.`,
    ...generated,
  };
}

/** The exact bytes `parker schema` prints and schema/layout.schema.json holds. */
export function layoutJsonSchemaText(): string {
  return `${JSON.stringify(layoutJsonSchema(), null, 2)}\n`;
}
