// models/README.md's "Operators per execution provider" table is computed from the graphs the
// product builds (seeded random weights of the real architecture; the operators do not depend on
// the weights): this test rebuilds it and checks every row against the README.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtGraphs, providerTable } from '../../models/operators/provider-table';

const readme = readFileSync(path.resolve(__dirname, '../../models/README.md'), 'utf8');
const block = readme.slice(readme.indexOf('<!-- provider-table:start -->'), readme.indexOf('<!-- provider-table:end -->'));

describe('models/README.md operators per execution provider', () => {
  it('holds the table computed from the built graphs', () => {
    const rows = providerTable(builtGraphs())
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| graph'));
    expect(block.length).toBeGreaterThan(0);
    const missing = rows.filter((row) => !block.includes(row));
    expect(missing, `rows to update in models/README.md (npx tsx models/operators/provider-table.ts --write updates it):\n${missing.join('\n')}`).toEqual([]);
  });
});
