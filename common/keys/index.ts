/** Keyed roto shapes: evaluation at a frame and the keying rules. */
export { evaluateShape, keyIndexAt, keyIndexAtOrBefore } from './evaluate';
export {
  copyKey,
  deleteKey,
  deleteVertex,
  insertVertex,
  minimumVertices,
  pasteKey,
  retimeKey,
  rotationAbout,
  scalingAbout,
  setKeyInterp,
  setShapeAt,
  setVertexAt,
  transformShapeAt,
  translation,
} from './edit';
export type { Affine, VertexInput } from './edit';
