/**
 * Display rotation (clockwise degrees a player turns the coded picture) on the way out.
 *
 * Frames arrive upright; to keep a source's rotation the pixels are turned back to the coded
 * orientation and the display matrix is written again. The bundled ffmpeg 4.1 writes the matrix
 * only on a stream-copy remux, and its `rotate` tag turns the opposite way from what players and
 * ffprobe read (asking for rotate=90 gives a file that displays at 270; checked with ffprobe 6 and
 * with ffmpeg 4.1's own autorotation), so the tag is mirrored here and the result verified.
 */
export type Rotation = 0 | 90 | 180 | 270;

/** The `rotate` tag value that makes the bundled ffmpeg write a display rotation of `rotation`. */
export function rotateTagFor(rotation: Rotation): string {
  return String((360 - rotation) % 360);
}

/** The filter that turns upright frames back into the coded orientation of a `rotation` source. */
export function unrotateFilter(rotation: Rotation): string | null {
  switch (rotation) {
    case 90:
      return 'transpose=cclock';
    case 180:
      return 'hflip,vflip';
    case 270:
      return 'transpose=clock';
    default:
      return null;
  }
}

/** Coded size of upright frames of size width x height. */
export function codedSize(width: number, height: number, rotation: Rotation): { width: number; height: number } {
  return rotation === 90 || rotation === 270 ? { width: height, height: width } : { width, height };
}
