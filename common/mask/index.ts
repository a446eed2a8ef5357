/** The mask model's entry point: the one rasterizer, the morphology the engines share, path geometry. */
export { rasterizeMask, rasterizeLayer, strokeAppliesAt } from './rasterize';
export type { BitmapFrame, RasterOptions, LayerRasterOptions } from './rasterize';
export { dilateCross, dilateDisk, erodeDisk, featherOutward } from './morphology';
export { flattenPath, nearestOnPath, splitSegment, segmentCount } from './bezier';
