/**
 * Cuts ffmpeg's image2pipe MJPEG output (JPEG files back to back) into single JPEG files, by
 * walking the marker segments; entropy-coded data is scanned for the next real marker (0xFF bytes
 * in it are stuffed as FF 00, restart markers are FF D0..D7), so a stray FF D9 cannot end a frame.
 */
export class JpegStreamSplitter {
  private buf: Buffer = Buffer.alloc(0);
  /** How far the JPEG at the start of `buf` has been parsed. */
  private pos = 0;
  private inScan = false;

  /** Adds bytes; returns the JPEG files completed by them. */
  push(chunk: Uint8Array): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    const done: Buffer[] = [];
    for (let end = this.parse(); end > 0; end = this.parse()) {
      done.push(this.buf.subarray(0, end));
      this.buf = this.buf.subarray(end);
      this.pos = 0;
      this.inScan = false;
    }
    return done;
  }

  /** Bytes of an unfinished JPEG (non-zero when the stream ended in the middle of one). */
  get pending(): number {
    return this.buf.length;
  }

  /** End offset of the complete JPEG at the start of the buffer, or -1 while more bytes are needed. */
  private parse(): number {
    const b = this.buf;
    if (this.pos === 0) {
      if (b.length < 2) return -1;
      if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error('not a JPEG stream (no start-of-image marker)');
      this.pos = 2;
    }
    for (;;) {
      if (this.inScan) {
        let i = this.pos;
        for (; i + 1 < b.length; i++) {
          if (b[i] !== 0xff) continue;
          const next = b[i + 1]!;
          if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) break;
        }
        this.pos = i;
        if (i + 1 >= b.length) return -1;
        this.inScan = false;
      }
      if (this.pos + 2 > b.length) return -1;
      if (b[this.pos] !== 0xff) throw new Error('corrupt JPEG stream (expected a marker)');
      const marker = b[this.pos + 1]!;
      if (marker === 0xff) {
        this.pos++; // fill byte before a marker
        continue;
      }
      if (marker === 0xd9) return this.pos + 2; // end of image
      if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
        this.pos += 2; // markers without a length
        continue;
      }
      if (this.pos + 4 > b.length) return -1;
      const length = b.readUInt16BE(this.pos + 2);
      if (this.pos + 2 + length > b.length) return -1;
      this.pos += 2 + length;
      if (marker === 0xda) this.inScan = true; // start of scan: entropy-coded data follows
    }
  }
}
