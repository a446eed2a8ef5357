/**
 * The user's preferences, kept by the host in `<userData>/settings.json` (not in projects: they
 * belong to this computer). Every field has a default, so an old or damaged file still loads.
 */
import { z } from 'zod';

/** The frame cache's size limit, in MiB: at least a few minutes of proxies, at most 1 TiB. */
export const FRAME_CACHE_LIMIT_MB = { min: 256, max: 1 << 20, default: 4096 } as const;

const frameCacheLimitMB = z.number().int().min(FRAME_CACHE_LIMIT_MB.min).max(FRAME_CACHE_LIMIT_MB.max);

export const UserSettingsSchema = z.object({
  /** Disk the UI's proxy frames may take; least recently used frames are removed beyond it. */
  frameCacheLimitMB: frameCacheLimitMB.default(FRAME_CACHE_LIMIT_MB.default),
});

export type UserSettings = z.infer<typeof UserSettingsSchema>;

/** What `settings.update` takes: any of the fields, each checked as in the file. */
export const UserSettingsChangeSchema = z.object({ frameCacheLimitMB: frameCacheLimitMB.optional() }).strict();
