/** Polygon pen: click to add corner points, click the first point (or Enter) to close. */
import { createPenTool } from './pen';
import type { Tool, ToolEnv } from './types';

export function createPolygonTool(env: ToolEnv): Tool {
  return createPenTool(env, 'polygon');
}
