import * as fs from 'node:fs';
import { expect, test } from 'vitest';
import { layoutJsonSchemaText } from '../src/spec/layout-json-schema.js';

const COMMITTED = new URL('../schema/layout.schema.json', import.meta.url);
const REGENERATE = 'schema/layout.schema.json is stale: run `npm run build && node bin/parker.js schema > schema/layout.schema.json`';

test('schema/layout.schema.json is what `parker schema` prints', () => {
  const committed = fs.existsSync(COMMITTED) ? fs.readFileSync(COMMITTED, 'utf8') : '';
  expect(committed === layoutJsonSchemaText(), REGENERATE).toBe(true);
});
