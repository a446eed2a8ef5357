/**
 * Raw frames with a timestamp each, as a Matroska stream for ffmpeg's stdin. ffmpeg's rawvideo input
 * has no timing (every frame comes 1/fps after the last), so a variable frame rate source's times
 * would be lost on the way to the encoder; Matroska's uncompressed video (codec V_UNCOMPRESSED, the
 * pixel format as a FourCC in ColourSpace, which ffmpeg's demuxer hands to its raw decoder) carries
 * one timestamp per block. Element ids and layout follow RFC 9559.
 *
 * Every size is written in 8 bytes (allowed by EBMLMaxSizeLength 8) so lengths never change the
 * layout; the segment has an unknown size, as in live streams. One cluster per frame keeps every
 * block's 16-bit relative time at 0, whatever the gap between frames.
 */

/** Timestamps count microseconds (TimestampScale is in nanoseconds per tick). */
const TIMESTAMP_SCALE_NS = 1000;
const UNKNOWN_SIZE = Buffer.from('01ffffffffffffff', 'hex');

/** FourCCs of ffmpeg's raw decoder (libavcodec/raw.c) for the formats the encoders take. */
const FOURCC = { rgb24: Buffer.from([0x52, 0x47, 0x42, 24]), gray: Buffer.from('Y800', 'latin1') } as const;

function size8(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  b[0] = 0x01; // 8-byte length marker; sizes stay far below 2^56
  return b;
}

function element(id: string, ...payload: Uint8Array[]): Buffer {
  const body = Buffer.concat(payload);
  return Buffer.concat([Buffer.from(id, 'hex'), size8(body.length), body]);
}

function uint(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${n} is not an unsigned integer`);
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

const text = (s: string) => Buffer.from(s, 'latin1');

/** The stream's start: EBML header, segment (unknown size), info and the one video track. */
export function matroskaHeader(width: number, height: number, pixelFormat: keyof typeof FOURCC): Buffer {
  const ebml = element(
    '1a45dfa3',
    element('4286', uint(1)), // EBMLVersion
    element('42f7', uint(1)), // EBMLReadVersion
    element('42f2', uint(4)), // EBMLMaxIDLength
    element('42f3', uint(8)), // EBMLMaxSizeLength
    element('4282', text('matroska')), // DocType
    element('4287', uint(4)), // DocTypeVersion
    element('4285', uint(2)), // DocTypeReadVersion (SimpleBlock)
  );
  const info = element('1549a966', element('2ad7b1', uint(TIMESTAMP_SCALE_NS)), element('4d80', text('cleanplate')), element('5741', text('cleanplate')));
  const video = element('e0', element('b0', uint(width)), element('ba', uint(height)), element('2eb524', FOURCC[pixelFormat]));
  const track = element(
    'ae',
    element('d7', uint(1)), // TrackNumber
    element('73c5', uint(1)), // TrackUID
    element('83', uint(1)), // TrackType: video
    element('9c', uint(0)), // FlagLacing
    element('86', text('V_UNCOMPRESSED')),
    video,
  );
  return Buffer.concat([ebml, Buffer.from('18538067', 'hex'), UNKNOWN_SIZE, info, element('1654ae6b', track)]);
}

/** What goes before one frame's `frameBytes` of pixels: a cluster at `micros` holding one key block. */
export function matroskaFrameHeader(micros: number, frameBytes: number): Buffer {
  const timestamp = element('e7', uint(micros));
  // SimpleBlock: track number 1 (vint), relative time 0 (int16), flags: keyframe.
  const blockHead = Buffer.from([0x81, 0x00, 0x00, 0x80]);
  const simpleBlockHead = Buffer.concat([Buffer.from('a3', 'hex'), size8(blockHead.length + frameBytes), blockHead]);
  const clusterBody = timestamp.length + simpleBlockHead.length + frameBytes;
  return Buffer.concat([Buffer.from('1f43b675', 'hex'), size8(clusterBody), timestamp, simpleBlockHead]);
}

/** Seconds to the stream's ticks. */
export function toMatroskaTicks(seconds: number): number {
  return Math.round((seconds * 1e9) / TIMESTAMP_SCALE_NS);
}
