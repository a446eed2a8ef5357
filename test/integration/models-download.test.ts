// Downloading already built graphs from a mirror (a real HTTP server on 127.0.0.1 serving the
// generated fixtures: real bytes, real sha256): progress, skip-if-verified, an interrupted transfer
// that resumes with a Range request, a corrupt file reported by name, and the licence gate. The
// release weights' download is models-weights.test.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateStandIns } from '../../models/fixtures';
import { bundledManifest, downloadModels, verifyModels, type ModelManifest, type ModelsProgress } from '../../main/models';

let root: string;
let fixtures: string;
let manifest: ModelManifest;
let server: Server;
let baseUrl: string;

/** What the server does, per test. */
const behaviour = {
  /** Close the connection after this many body bytes of the first request for this file. */
  cutFile: null as string | null,
  cutAfter: 0,
  /** Serve this file with one byte changed. */
  corruptFile: null as string | null,
  requests: [] as { file: string; range: string | undefined }[],
};

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cleanplate-download-'));
  fixtures = path.join(root, 'served');
  manifest = generateStandIns(fixtures);
  server = createServer((req, res) => {
    const file = decodeURIComponent(new URL(req.url!, 'http://x').pathname.slice(1));
    const range = req.headers.range;
    behaviour.requests.push({ file, range });
    const full = path.join(fixtures, path.basename(file));
    if (!existsSync(full)) {
      res.writeHead(404).end('not found');
      return;
    }
    let body = readFileSync(full);
    if (behaviour.corruptFile === file) {
      body = Buffer.from(body);
      body[body.length - 10] ^= 0xff;
    }
    let start = 0;
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
    } else {
      res.writeHead(200, { 'Content-Length': body.length });
    }
    const slice = body.subarray(start);
    if (behaviour.cutFile === file) {
      behaviour.cutFile = null;
      res.write(slice.subarray(0, behaviour.cutAfter), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  behaviour.cutFile = null;
  behaviour.corruptFile = null;
  behaviour.requests = [];
});

const served = () => ({ ...manifest, baseUrl });

describe('downloadModels', () => {
  it('downloads every file with progress, verifies it, and skips verified files on a rerun', async () => {
    const dir = path.join(root, 'fresh', 'models');
    const progress: ModelsProgress[] = [];
    const r = await downloadModels({ dir, manifest: served(), acceptLicense: true, onProgress: (p) => progress.push(p) });
    expect(r.downloaded).toHaveLength(manifest.files.length);
    expect((await verifyModels(dir)).ok).toBe(true);
    const raft = progress.filter((p) => p.phase === 'download' && p.file === 'raft.onnx');
    const size = statSync(path.join(fixtures, 'raft.onnx')).size;
    expect(raft.at(-1)).toMatchObject({ phase: 'download', file: 'raft.onnx', receivedBytes: size, totalBytes: size, etaSeconds: 0 });

    behaviour.requests = [];
    const again = await downloadModels({ dir, manifest: served(), acceptLicense: true });
    expect(again.downloaded).toEqual([]);
    expect(again.skipped).toHaveLength(manifest.files.length);
    expect(behaviour.requests).toEqual([]);
  });

  it('resumes an interrupted download with a Range request and ends with the right bytes', async () => {
    const dir = path.join(root, 'resume', 'models');
    behaviour.cutFile = 'pp_transformer.onnx';
    behaviour.cutAfter = 50_000;
    await expect(downloadModels({ dir, manifest: served(), acceptLicense: true })).rejects.toThrow(
      /^the download of pp_transformer\.onnx from 127\.0\.0\.1:\d+ was interrupted after .*; run it again to resume$/,
    );
    const partial = path.join(dir, 'pp_transformer.onnx.partial');
    expect(statSync(partial).size).toBe(50_000);
    expect(existsSync(path.join(dir, 'pp_transformer.onnx'))).toBe(false);

    behaviour.requests = [];
    await downloadModels({ dir, manifest: served(), acceptLicense: true });
    expect(behaviour.requests.find((q) => q.file === 'pp_transformer.onnx')?.range).toBe('bytes=50000-');
    expect(existsSync(partial)).toBe(false);
    expect(readFileSync(path.join(dir, 'pp_transformer.onnx')).equals(readFileSync(path.join(fixtures, 'pp_transformer.onnx')))).toBe(true);
    expect((await verifyModels(dir)).ok).toBe(true);
  });

  it('reports a corrupt file by name and leaves neither it nor its partial behind', async () => {
    const dir = path.join(root, 'corrupt', 'models');
    behaviour.corruptFile = 'rfc_encoder.onnx';
    await expect(downloadModels({ dir, manifest: served(), acceptLicense: true })).rejects.toThrow(
      /^rfc_encoder\.onnx downloaded from 127\.0\.0\.1:\d+ is corrupt \(sha256 mismatch\) and was deleted; run the download again$/,
    );
    expect(existsSync(path.join(dir, 'rfc_encoder.onnx'))).toBe(false);
    expect(existsSync(path.join(dir, 'rfc_encoder.onnx.partial'))).toBe(false);
  });

  it('refuses to start before the licence is accepted', async () => {
    const dir = path.join(root, 'nolicence');
    await expect(downloadModels({ dir, manifest: { ...bundledManifest(), baseUrl }, acceptLicense: false })).rejects.toThrow(
      'the ProPainter models are under the S-Lab License 1.0 (non-commercial use only); accept the licence before downloading',
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('says plainly when a file has no download location', async () => {
    const noUrls: ModelManifest = { ...served(), weights: undefined, files: manifest.files.map((f) => ({ ...f, url: null })) };
    await expect(downloadModels({ dir: path.join(root, 'nourl'), manifest: noUrls, acceptLicense: true })).rejects.toThrow(
      'no download location is known for raft.onnx; get the file yourself and use "Import models folder" instead',
    );
  });

  it('reports an HTTP error with the status and the file', async () => {
    const broken: ModelManifest = { ...served(), files: [{ ...manifest.files[0]!, url: 'nothing-here.onnx' }] };
    await expect(downloadModels({ dir: path.join(root, 'http404'), manifest: broken, acceptLicense: true })).rejects.toThrow(
      /^downloading raft\.onnx from 127\.0\.0\.1:\d+ failed \(HTTP 404 Not Found\); try again later$/,
    );
  });
});
