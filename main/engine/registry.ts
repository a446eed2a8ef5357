/**
 * The engines a job can run, by id. ProPainter is imported only when a job asks for it: loading
 * onnxruntime-node maps its native library (tens of MB) and starts its thread pools, which classic
 * jobs, propagation and mask export in the same kind of engine process have no use for. (esbuild
 * bundles the dynamic import as a lazily initialised module, so `require('onnxruntime-node')` runs
 * on the first ProPainter job only.)
 */
import { UserError } from '../../common/errors';
import type { EngineId } from '../../common/project/schema';
import { createClassicEngine } from './engines/classic';
import type { EngineOptions, InpaintEngine } from './types';

export async function createEngine(id: EngineId, options: EngineOptions): Promise<InpaintEngine> {
  switch (id) {
    case 'classic':
      return createClassicEngine(options);
    case 'propainter': {
      const { createProPainterEngine } = await import('./engines/propainter');
      return createProPainterEngine(options);
    }
    default:
      throw new UserError('unsupported', `There is no engine called "${String(id)}"; choose "classic" or "propainter".`);
  }
}
