/**
 * The model manager: where ProPainter's model files live (the user's data folder, never the install
 * folder), what state they are in, and how they get there: the three release weight files are
 * downloaded (with consent, resumable) or imported, verified structurally, and the ONNX graphs are
 * built from them; or already converted graphs are imported.
 *
 *   defaultModelsDir(userDataDir)                      -> "<userData>/models"
 *   modelsStatus(dir)                                  -> ModelsStatus (fast, no hashing): stage, weights, graphs
 *   verifyModels(dir, { signal })                      -> VerifyReport (sha256, structure, CRC-32s) for `models verify`
 *   importModels(fromDir, toDir, { signal, buildStep })  -> ModelsStatus after an atomic, verified copy (+ build)
 *   downloadModels({ dir, manifest, acceptLicense, onProgress, signal, buildStep }) -> { downloaded, skipped, built }
 *   buildGraphs(dir, builder, { onProgress, signal })  -> the graphs from the verified weights in dir
 *   propainterGraphSetBuilder                          -> the product's graph builder (main/models/builder)
 *   buildInProcess(dir, { onProgress, signal })        -> buildGraphs with that builder, here (the CLI; the app uses an engine process)
 *   removeStaleTemporaries(dir)                        -> cleanup of what a killed process left
 *   bundledManifest()                                  -> the manifest shipped with the app
 *
 * Every failure is a UserError whose message is one line naming the file and what to do.
 */
export { defaultModelsDir, modelsStatus, verifyModels, requireModelFiles, summarizeChecks, type VerifyReport } from './status';
export { importModels, type ImportOptions } from './import';
export { downloadModels, type DownloadOptions, type DownloadProgress, type DownloadResult, type ModelsProgress } from './download';
export { buildGraphs, buildInProcess, propainterGraphSetBuilder, type BuildStep, type GraphSetBuilder, type GraphBuildOptions, type GraphBuildProgress, type BuildResult } from './build';
export { removeStaleTemporaries } from './temporaries';
export {
  bundledManifest,
  manifestFor,
  parseManifest,
  readFolderManifest,
  weightFiles,
  MANIFEST_FILE,
  type ModelFile,
  type ModelManifest,
  type WeightFile,
} from './manifest';
export { checkModelFile, checkModelFiles, formatBytes, type FileCheck, type FileState } from './verify';
export { CONTRACT_VERSION, GRAPH_NAMES, graphFileName, type GraphName, type Precision } from './contract';
