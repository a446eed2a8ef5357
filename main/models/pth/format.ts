/**
 * What each on-disk format of torch.save (zip, legacy) hands to the checkpoint reader, and the one
 * error type the reader throws: its message is one line that starts with the file's name.
 */
import type { StorageRecord } from './torch-pickle';

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

export interface OpenedFormat {
  format: 'zip' | 'legacy';
  /** The unpickled object (a state dict is a Map). */
  root: unknown;
  records: Map<string, StorageRecord>;
  /**
   * One storage's bytes in a buffer of their own (offset 0, so typed views need no copy), checked
   * as far as the format allows (the zip's CRC-32; the legacy format has no checksum).
   */
  readStorage(record: StorageRecord): Promise<Uint8Array>;
  close(): Promise<void>;
}
