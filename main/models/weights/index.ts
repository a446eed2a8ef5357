/** ProPainter's release weights: their layout, and checking and reading them (see layout.ts, check.ts). */
export { officialLayout, officialLayouts, firstMismatch, NETWORK_NAMES, WeightsLayoutSchema, type WeightsLayout, type LayoutDtype } from './layout';
export { checkWeightsFile, readNetworkWeights, readProPainterWeights, type WeightsCheckOptions } from './check';
