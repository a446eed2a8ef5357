/**
 * The engines a job can run, by id. Each is loaded only when asked for: the classic engine brings
 * OpenCV's WebAssembly build, ProPainter brings onnxruntime and its model files.
 */
import { UserError } from '../../common/errors';
import type { EngineId } from '../../common/project/schema';
import { createClassicEngine } from './engines/classic';
import { createProPainterEngine } from './engines/propainter';
import type { EngineOptions, InpaintEngine } from './types';

export async function createEngine(id: EngineId, options: EngineOptions): Promise<InpaintEngine> {
  switch (id) {
    case 'classic':
      return createClassicEngine(options);
    case 'propainter':
      return createProPainterEngine(options);
    default:
      throw new UserError('unsupported', `There is no engine called "${String(id)}"; choose "classic" or "propainter".`);
  }
}
