// The layering rules of ../shared/docs/STYLE.md and DESIGN.md are checked by ESLint (eslint.config.mjs,
// run by `npm test`). These cases prove each zone fires with its message, so a config that stops
// checking fails here, and that allowed imports stay allowed.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('import rules (ESLint)', () => {
  it.each([
    ['common/x.ts', "import { createLog } from '../main/services/log';", /common\/ is pure code/],
    ['common/x.ts', "import { readFile } from 'node:fs/promises';", /No Node built-ins in common/],
    ['common/x.ts', "import React from 'react';", /small pure libraries/],
    ['renderer/panels/x.tsx', "import { probeMedia } from '../../main/media/index';", /The renderer is untrusted browser code/],
    ['renderer/panels/x.tsx', "import { ipcRenderer } from 'electron';", /No Node or Electron in the sandboxed renderer/],
    ['renderer/state/x.ts', "import { actions } from '../actions';", /renderer\/state is the bottom of the renderer/],
    ['preload/x.ts', "import { createServices } from '../main/services/index';", /The preload is a thin gate/],
    ['main/media/x.ts', "import { createServices } from '../services/index';", /main\/media imports common only/],
    ['main/engine/x.ts', "import { TaskRegistry } from '../services/task-registry';", /main\/engine imports common, main\/media and main\/models/],
    ['main/services/x.ts', "import { startWebHost } from '../host/web-host';", /never imports a host/],
    ['main/services/x.ts', "import { app } from 'electron';", /Only main\/app uses Electron/],
    ['main/services/x.ts', "import { readFileSync } from 'node:fs';", /runs on the main process: use node:fs\/promises/],
    ['main/host/x.ts', "import { existsSync } from 'fs';", /runs on the main process/],
    // models.status/import/download run main/models on the main process (issue 12 item 8).
    ['main/models/x.ts', "import { readFileSync } from 'node:fs';", /runs on the main process/],
    ['main/cli/x.ts', "import { Stage } from 'konva';", /No UI libraries in main/],
  ])('%s: %s', async (file, code, message) => {
    const found = await problems(file, `${code}\nexport const used = 1;\n`);
    expect(found.some((p) => message.test(p)), found.join('\n')).toBe(true);
    expect(found.join('\n')).toMatch(/STYLE\.md|fs\/promises/);
  });

  it.each([
    ['common/x.ts', "import { z } from 'zod';"],
    ['renderer/panels/x.tsx', "import { ops } from '../state/store';"],
    ['preload/x.ts', "import { buildBridgeCalls } from '../common/contract/api';"],
    ['main/engine/x.ts', "import { probeMedia } from '../media/index';"],
    ['main/services/x.ts', "import { readFile } from 'node:fs/promises';"],
    ['main/app/x.ts', "import { app } from 'electron';"],
    ['main/engine/x.ts', "import { readFileSync } from 'node:fs';"],
  ])('allows %s: %s', async (file, code) => {
    expect(await problems(file, `${code}\nexport const used = 1;\n`)).toEqual([]);
  });
});
