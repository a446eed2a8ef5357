/** The project document: schema, the one restore(), new projects, file text, and edit commands. */
export * from './schema';
export { restore, describeIssue } from './restore';
export type { RestoreResult } from './restore';
export { migrate, migrations } from './migrations';
export { createProject, serializeProject } from './create';
export type { ProjectSourceInfo } from './create';
export { commands } from './commands';
export type { Command, CommandArgs, CommandName, LayerInput, LayerProps, ShapeInput, StrokeInput } from './commands';
export { formatPath } from './path';
export { keyedRange, layerActiveAt, layerActiveRange } from './active-range';
export { frameFingerprints, renderSettingsKey } from './fingerprint';
export type { RenderMode } from './fingerprint';
