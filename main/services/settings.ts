/**
 * The user's preferences (common/contract/settings.ts) in `<userData>/settings.json`, written
 * atomically. A missing file gives the defaults; a damaged one gives the defaults and a warning,
 * never an error at start-up. Changes are written one at a time and then announced to listeners
 * (the frame cache applies its new limit at once).
 */
import { promises as fs } from 'node:fs';
import { UserSettingsChangeSchema, UserSettingsSchema } from '../../common/contract/settings';
import type { UserSettings } from '../../common/contract/settings';
import { UserError } from '../../common/errors';
import { writeFileAtomic } from './atomic-file';
import type { Log } from './log';

export class SettingsStore {
  private current: UserSettings | null = null;
  private writing: Promise<unknown> = Promise.resolve();
  private readonly listeners: Array<(settings: UserSettings) => void | Promise<void>> = [];

  constructor(
    private readonly file: string,
    private readonly log: Log,
  ) {}

  async get(): Promise<UserSettings> {
    return { ...(this.current ??= await this.read()) };
  }

  /** Called after every change with the new settings. */
  onChange(listener: (settings: UserSettings) => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  /** Applies a change (checked against the schema), writes the file, tells the listeners. */
  update(change: unknown): Promise<UserSettings> {
    const parsed = UserSettingsChangeSchema.safeParse(change);
    if (!parsed.success) throw new UserError('invalid-args', `Invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ')}.`);
    const next = this.writing.then(async () => {
      const settings = UserSettingsSchema.parse({ ...(await this.get()), ...parsed.data });
      await writeFileAtomic(this.file, `${JSON.stringify(settings, null, 2)}\n`);
      this.current = settings;
      for (const listener of this.listeners) await listener({ ...settings });
      return { ...settings };
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<UserSettings> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch {
      return UserSettingsSchema.parse({});
    }
    try {
      const parsed = UserSettingsSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      /* not JSON: fall through */
    }
    this.log.warn(`${this.file} is damaged; using the default settings until they are changed`);
    return UserSettingsSchema.parse({});
  }
}
