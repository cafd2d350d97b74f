import { describe, expect, test } from 'vitest';
import { layoutJsonSchema, layoutJsonSchemaText } from './layout-json-schema.js';

type Json = Record<string, unknown>;
const schema = layoutJsonSchema() as Json;
const properties = (s: unknown) => (s as { properties: Json }).properties;
const kernel = (properties(schema).kernels as { items: Json }).items;

describe('layoutJsonSchema', () => {
  test('names itself, for editors', () => {
    expect(Object.keys(schema).slice(0, 4)).toEqual(['$schema', '$id', 'title', 'description']);
    expect(schema.title).toBe('parker layout');
  });

  test('unknown keys are refused at every level, as the loader refuses them', () => {
    expect(schema.additionalProperties).toBe(false);
    expect(kernel.additionalProperties).toBe(false);
    expect((properties(schema).boot as Json).additionalProperties).toBe(false);
  });

  test('keys with defaults are optional and show the default', () => {
    expect(kernel.required).toEqual(['name', 'cpus', 'memory', 'image']);
    expect(properties(kernel).profile).toEqual({ default: 'balanced', type: 'string', enum: ['balanced', 'latency', 'throughput'] });
    expect((properties(kernel).bootTimeout as Json).default).toBe('120s');
  });

  test('integers carry only the bounds the spec sets', () => {
    expect(properties(kernel).order).toEqual({ default: 0, description: 'start order: lower first, ties by name', type: 'integer', minimum: 0 });
  });

  test('the text form is the object, indented, with a final newline', () => {
    expect(layoutJsonSchemaText()).toBe(`${JSON.stringify(schema, null, 2)}\n`);
  });
});
