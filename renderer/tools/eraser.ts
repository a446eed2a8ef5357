/**
 * Eraser tool: the brush state machine with strokes in 'erase' mode, which lower the brush layer's
 * paint where they pass (the rasterizer applies strokes in order). It never creates a layer.
 */
import { createBrushTool } from './brush';
import type { Tool, ToolEnv } from './types';

export function createEraserTool(env: ToolEnv): Tool {
  return createBrushTool(env, 'erase');
}
