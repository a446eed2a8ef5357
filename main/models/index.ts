/**
 * The model manager: where ProPainter's model files live (the user's data folder, never the install
 * folder), what state they are in, and how they get there (download with resume, or import).
 *
 *   defaultModelsDir(userDataDir)                      -> "<userData>/models"
 *   modelsStatus(dir)                                  -> ModelsStatus (fast, no hashing) for the UI / `models list`
 *   verifyModels(dir, { signal })                      -> VerifyReport (sha256 too) for `models verify`
 *   importModels(fromDir, toDir, { signal })           -> ModelsStatus after an atomic, verified copy
 *   downloadModels({ dir, manifest, acceptLicense, onProgress, signal }) -> { downloaded, skipped }
 *   bundledManifest()                                  -> the manifest shipped with the app
 *
 * Every failure is a UserError whose message is one line naming the file and what to do.
 */
export { defaultModelsDir, modelsStatus, verifyModels, requireModelFiles, summarizeChecks, type VerifyReport } from './status';
export { importModels } from './import';
export { downloadModels, type DownloadOptions, type DownloadProgress, type DownloadResult } from './download';
export { bundledManifest, manifestFor, parseManifest, readFolderManifest, MANIFEST_FILE, type ModelFile, type ModelManifest } from './manifest';
export { checkModelFile, checkModelFiles, type FileCheck, type FileState } from './verify';
export { CONTRACT_VERSION, GRAPHS, GRAPH_NAMES, graphFileName, type GraphName, type Precision } from './contract';
