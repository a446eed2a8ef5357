/** Bezier pen: click for a corner, click-and-drag to pull symmetric handles, click the first point to close. */
import { createPenTool } from './pen';
import type { Tool, ToolEnv } from './types';

export function createBezierTool(env: ToolEnv): Tool {
  return createPenTool(env, 'bezier');
}
