/**
 * Reading PyTorch .pth checkpoints without Python: both torch.save formats (zip and legacy), float
 * tensors as float32, int64 as BigInt64Array. See checkpoint.ts.
 */
export { openCheckpoint, readStateDict, CheckpointError, FLOAT_DTYPES, type Checkpoint, type CheckpointEntry, type StoredDtype } from './checkpoint';
