/** main/media: everything else imports media I/O from here. */
export { locateFfmpeg, resetFfmpegLocation, type FfmpegBinaries } from './locate';
export { probeMedia, FOLDER_FPS, type ProbeOptions } from './probe';
export { decodeFrames, checkRange, bytesPerPixel, type DecodeOptions, type DecodedFrame, type RawPixelFormat, type ScaleFilter } from './decode';
export { decodeMaskFrames, type MaskDecodeOptions } from './masks';
export { frameTimesOf, onTicks, TIMESTAMP_FILE, type FrameTimes } from './frame-times';
export { createEncoder, PNG_SEQUENCE_PATTERN, type EncoderOptions, type FrameEncoder } from './encode';
export { FORMATS, type OutputFormat } from './output-args';
export type { Rotation } from './rotation';
export { exportVideo, type ExportOptions, type ExportResult } from './export';
export { ProgressParser, type FfmpegProgress } from './progress';
export { FrameCache, proxySizeFor, mediaIdFor, type FrameCacheOptions } from './frame-cache';
export { fitWithin } from './cache-layout';
export { generateThumbnails, thumbnailFrames, type ThumbnailOptions } from './thumbnails';
export { jpegFrames, type JpegFrameOptions } from './jpeg-frames';
export { createPreviewWriter, previewName, previewSize, type PreviewWriter } from './preview-writer';
export { onToolCommand, commandLine, runTool } from './process';
export { isProcessAlive, removeStaleTemporaries, removeStaleTemporariesOf, temporaryWriter } from './stale-files';
export { reapWithParent } from './child-reaper';
