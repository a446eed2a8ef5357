/**
 * The editor's edits of the project document, each ONE undo step, built from the document commands of
 * common/project/commands.ts. Tools, actions and panels import them from here.
 */
export { apply, command } from './command';
export { activateLayer, addBitmapLayer, addLayer, deleteLayer, moveLayer, setLayerProps, setLayerRange } from './layers';
export { addKeyHere, addShape, addStroke, applyPropagatedKey, copyKey, deleteKeyAt, deleteSelection, insertVertex, pasteKey, setKeyInterp } from './shapes';
export { setRangeEdge, updateEngine, updateExport, updateOutpaint } from './settings';
export { brushTarget, editableShapeLayers, findLayer, newLayer, propagationTarget, selectedShape, shapeTarget } from './targets';
export type { LayerTarget, Target } from './targets';
