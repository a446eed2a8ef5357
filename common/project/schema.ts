/**
 * The `.cleanplate` project document, current version. Only `restore()` (restore.ts) turns untrusted
 * JSON into a ProjectDoc: it migrates older versions, fills defaults and validates with these schemas.
 *
 * Coordinates: mask geometry is stored in source pixels of the *displayed* frame (after the source's
 * rotation is applied), origin top-left, x right, y down. Sizes (radius, feather, dilation) are in
 * source pixels too. The rasterizer scales to whatever output size it is asked for.
 *
 * Time: integer frame indices from 0 at the source's rational frame rate.
 */
import { z } from 'zod';
import { formatPath } from './path';

export const CURRENT_PROJECT_VERSION = 3;

export const RationalSchema = z.object({
  num: z.number().int().positive(),
  den: z.number().int().positive(),
});

const id = z.string().min(1).max(64);
const coord = z.number().finite();
const frameIndex = z.number().int().min(0);
const colorHex = z.string().regex(/^#[0-9a-fA-F]{6}$/);

/** A roto vertex: position plus bezier handles relative to it (zero handles = a corner). */
export const VertexSchema = z.object({
  x: coord,
  y: coord,
  inX: coord.default(0),
  inY: coord.default(0),
  outX: coord.default(0),
  outY: coord.default(0),
});

/**
 * A key holds the whole shape at one frame. `interp` belongs to the segment that *starts* at this key
 * (the key's outgoing interpolation), as in After Effects' outgoing keyframe interpolation.
 */
export const ShapeKeySchema = z.object({
  frame: frameIndex,
  interp: z.enum(['linear', 'smooth']).default('linear'),
  vertices: z.array(VertexSchema),
});

export const ShapeSchema = z
  .object({
    id,
    kind: z.enum(['polygon', 'bezier']),
    closed: z.boolean().default(true),
    /** Sorted by frame, unique frames, and every key has the same number of vertices. */
    keys: z.array(ShapeKeySchema).min(1),
  })
  .superRefine((shape, ctx) => {
    for (let k = 1; k < shape.keys.length; k++) {
      const [prev, key] = [shape.keys[k - 1]!, shape.keys[k]!];
      const problem =
        key.frame <= prev.frame
          ? `key frames must increase without repeats (frame ${key.frame} follows frame ${prev.frame})`
          : key.vertices.length !== prev.vertices.length
            ? `keys have different point counts (${prev.vertices.length} and ${key.vertices.length})`
            : null;
      if (problem) return ctx.addIssue({ code: 'custom', path: ['keys'], message: problem });
    }
  });

/** How long a brush stroke applies: its own frame, N frames from it, or until the out point. */
export const HoldSchema = z.union([z.number().int().min(1), z.literal('out')]);

export const BrushStrokeSchema = z.object({
  id,
  frame: frameIndex,
  hold: HoldSchema.default(1),
  mode: z.enum(['paint', 'erase']),
  radius: z.number().positive().max(4096),
  /** 1 = hard edge; lower values fade the outer part of the radius. */
  hardness: z.number().min(0).max(1).default(1),
  /** Flat list x0, y0, x1, y1, … in source pixels. */
  points: z.array(coord).refine((p) => p.length >= 2 && p.length % 2 === 0, 'points must hold x,y pairs'),
});

/**
 * Bounds on what a document may claim about its media: 16K pixels a side, a day at 120 fps. A
 * document is untrusted input (a file, or the renderer); nothing may size work by a count it made up.
 */
export const MAX_FRAME_SIDE = 16384;
export const MAX_FRAME_COUNT = 10_368_000;
const frameSide = z.number().int().positive().max(MAX_FRAME_SIDE);
const frameCount = z.number().int().min(1).max(MAX_FRAME_COUNT);

export const BitmapSourceSchema = z.object({
  kind: z.enum(['png-sequence', 'png', 'video']),
  path: z.string().min(1),
  frameCount,
  width: frameSide,
  height: frameSide,
});

/** An inclusive range of frames, in point first. */
export const FrameRangeSchema = z.object({ in: frameIndex, out: frameIndex }).refine((r) => r.in <= r.out, 'the in point is after the out point');

const layerBase = {
  id,
  name: z.string().min(1).max(200),
  visible: z.boolean().default(true),
  locked: z.boolean().default(false),
  mode: z.enum(['add', 'subtract']).default('add'),
  invert: z.boolean().default(false),
  /** Gaussian-like softening of the layer's edge, in source pixels. */
  feather: z.number().min(0).max(500).default(0),
  /** Grow (positive) or shrink (negative) the layer's shape, in source pixels. */
  dilation: z.number().min(-500).max(500).default(0),
  color: colorHex.default('#ff3b30'),
  /**
   * The frames on which the layer masks anything (inclusive); outside them it adds and subtracts
   * nothing. Null: from the layer's first key to its last (active-range.ts), so it follows the keys.
   */
  activeRange: FrameRangeSchema.nullable().default(null),
};

export const BrushLayerSchema = z.object({ ...layerBase, kind: z.literal('brush'), strokes: z.array(BrushStrokeSchema).default([]) });
export const ShapeLayerSchema = z.object({ ...layerBase, kind: z.literal('shape'), shapes: z.array(ShapeSchema).default([]) });
export const BitmapLayerSchema = z.object({ ...layerBase, kind: z.literal('bitmap'), source: BitmapSourceSchema });

export const LayerSchema = z.discriminatedUnion('kind', [BrushLayerSchema, ShapeLayerSchema, BitmapLayerSchema]);

export const EngineIdSchema = z.enum(['classic', 'propainter']);
export const DeviceSchema = z.enum(['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml']);

export const SizeSchema = z.object({ width: z.number().int().min(16).max(8192), height: z.number().int().min(16).max(8192) });

/** ProPainter's official inference defaults (inference_propainter.py), kept as settings. */
export const ProPainterSettingsSchema = z.object({
  neighborLength: z.number().int().min(2).max(40).default(10),
  refStride: z.number().int().min(1).max(100).default(10),
  subvideoLength: z.number().int().min(10).max(400).default(80),
  raftIterations: z.number().int().min(1).max(40).default(20),
  /**
   * How overlapping transformer windows combine inside the hole: 'mean' (a true mean, rounded once)
   * or 'halving' (upstream's running (old + new) / 2 with uint8 truncation, bit for bit).
   */
  windowAveraging: z.enum(['mean', 'halving']).default('mean'),
});

export const ClassicSettingsSchema = z.object({
  /** How far (in frames) propagation may look for a pixel that saw the hole's background. */
  propagationRadius: z.number().int().min(1).max(200).default(40),
  /** Strength of the temporal smoothing of filled pixels (0 = off). */
  temporalSmoothing: z.number().min(0).max(1).default(0.5),
});

export const EngineSettingsSchema = z.object({
  id: EngineIdSchema.default('classic'),
  /** Null = the source size scaled to fit 960x540, rounded to a multiple of 8. */
  processingSize: SizeSchema.nullable().default(null),
  /** Iterations of a 4-connected dilation of the hole at processing size (ProPainter's --mask_dilation). */
  maskDilation: z.number().int().min(0).max(32).default(4),
  device: DeviceSchema.default('auto'),
  fp16: z.boolean().default(false),
  propainter: ProPainterSettingsSchema.prefault({}),
  classic: ClassicSettingsSchema.prefault({}),
});

export const OutpaintSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  scaleH: z.number().min(1).max(4).default(1),
  scaleW: z.number().min(1).max(4).default(1.333),
});

export const ExportFormatSchema = z.enum(['h264', 'h265', 'prores', 'png']);

export const ExportSettingsSchema = z.object({
  format: ExportFormatSchema.default('h264'),
  /** Constant rate factor for H.264/H.265 (lower = better). */
  crf: z.number().int().min(0).max(51).default(18),
  path: z.string().nullable().default(null),
});

export const SourceSchema = z.object({
  /** Absolute path when saved; `relativePath` (to the project file) is tried first on load. */
  path: z.string().min(1),
  relativePath: z.string().nullable().default(null),
  /** Displayed size (after rotation). */
  width: frameSide,
  height: frameSide,
  fps: RationalSchema,
  frameCount,
  rotation: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]).default(0),
});

export const ProjectDocSchema = z
  .object({
    format: z.literal('cleanplate'),
    version: z.literal(CURRENT_PROJECT_VERSION),
    source: SourceSchema,
    /** Inclusive frame range a job processes (the in and out points). */
    range: z.object({ in: frameIndex, out: frameIndex }),
    layers: z.array(LayerSchema).default([]),
    engine: EngineSettingsSchema.prefault({}),
    outpaint: OutpaintSettingsSchema.prefault({}),
    export: ExportSettingsSchema.prefault({}),
    meta: z
      .object({
        createdAt: z.string().default(() => new Date(0).toISOString()),
        modifiedAt: z.string().default(() => new Date(0).toISOString()),
        appVersion: z.string().default('0.0.0'),
      })
      .prefault({}),
  })
  .superRefine((doc, ctx) => {
    if (doc.range.in > doc.range.out) ctx.addIssue({ code: 'custom', path: ['range'], message: 'the in point is after the out point' });
    if (doc.range.out >= doc.source.frameCount)
      ctx.addIssue({ code: 'custom', path: ['range', 'out'], message: `the out point is past the last frame (${doc.source.frameCount - 1})` });
    // Every id (layer, shape, stroke) is unique in the document, so an id alone names one thing.
    const seen = new Map<string, string>();
    const claim = (value: string, path: (string | number)[]) => {
      const first = seen.get(value);
      if (first) ctx.addIssue({ code: 'custom', path, message: `duplicate id "${value}" (already used by ${first})` });
      else seen.set(value, formatPath(path.slice(0, -1)));
    };
    doc.layers.forEach((layer, l) => {
      claim(layer.id, ['layers', l, 'id']);
      if (layer.activeRange && layer.activeRange.out >= doc.source.frameCount)
        ctx.addIssue({ code: 'custom', path: ['layers', l, 'activeRange', 'out'], message: `the layer's active range ends past the last frame (${doc.source.frameCount - 1})` });
      if (layer.kind === 'brush') layer.strokes.forEach((stroke, i) => claim(stroke.id, ['layers', l, 'strokes', i, 'id']));
      if (layer.kind === 'shape') layer.shapes.forEach((shape, i) => claim(shape.id, ['layers', l, 'shapes', i, 'id']));
    });
  });

export type Vertex = z.infer<typeof VertexSchema>;
export type ShapeKey = z.infer<typeof ShapeKeySchema>;
export type Shape = z.infer<typeof ShapeSchema>;
export type Hold = z.infer<typeof HoldSchema>;
export type FrameRange = z.infer<typeof FrameRangeSchema>;
export type BrushStroke = z.infer<typeof BrushStrokeSchema>;
export type BitmapSource = z.infer<typeof BitmapSourceSchema>;
export type BrushLayer = z.infer<typeof BrushLayerSchema>;
export type ShapeLayer = z.infer<typeof ShapeLayerSchema>;
export type BitmapLayer = z.infer<typeof BitmapLayerSchema>;
export type Layer = z.infer<typeof LayerSchema>;
export type LayerKind = Layer['kind'];
export type EngineId = z.infer<typeof EngineIdSchema>;
export type Device = z.infer<typeof DeviceSchema>;
export type Size = z.infer<typeof SizeSchema>;
export type EngineSettings = z.infer<typeof EngineSettingsSchema>;
export type ProPainterSettings = z.infer<typeof ProPainterSettingsSchema>;
export type ClassicSettings = z.infer<typeof ClassicSettingsSchema>;
export type OutpaintSettings = z.infer<typeof OutpaintSettingsSchema>;
export type ExportFormat = z.infer<typeof ExportFormatSchema>;
export type ExportSettings = z.infer<typeof ExportSettingsSchema>;
export type ProjectSource = z.infer<typeof SourceSchema>;
export type ProjectDoc = z.infer<typeof ProjectDocSchema>;
