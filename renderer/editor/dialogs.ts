/**
 * In-page modal dialogs as promises: `await dialogs.askPath(...)`, `await dialogs.confirm(...)`. Used
 * where the host has no native dialogs (the web host) and for questions no OS dialog asks (licence,
 * unsaved changes), and for the About box. The editor owns one controller; DialogHost draws its current request.
 */
import { createStore } from 'zustand/vanilla';
import type { ModelsStatus } from '../../common/contract/types';

export type DialogRequest =
  | { kind: 'path'; title: string; message: string; initial: string; confirmLabel: string; suggestions: string[]; resolve(v: string | null): void }
  | { kind: 'confirm'; title: string; message: string; confirmLabel: string; danger: boolean; resolve(v: boolean): void }
  | { kind: 'license'; status: ModelsStatus; resolve(v: boolean): void }
  | { kind: 'about'; resolve(v: boolean): void };

type Without<T, K extends keyof T> = Omit<T, K>;

export class DialogController {
  readonly store = createStore<{ current: DialogRequest | null }>()(() => ({ current: null }));

  current(): DialogRequest | null {
    return this.store.getState().current;
  }

  close(): void {
    this.store.setState({ current: null });
  }

  private open<T>(make: (resolve: (v: T) => void) => DialogRequest): Promise<T> {
    // A new question replaces an unanswered one, which counts as cancelled.
    const previous = this.current();
    if (previous) (previous.resolve as (v: unknown) => void)(previous.kind === 'path' ? null : false);
    return new Promise<T>((resolve) => {
      this.store.setState({
        current: make((v) => {
          this.close();
          resolve(v);
        }),
      });
    });
  }

  askPath(o: Without<Extract<DialogRequest, { kind: 'path' }>, 'kind' | 'resolve' | 'suggestions' | 'initial'> & { suggestions?: string[]; initial?: string }): Promise<string | null> {
    return this.open<string | null>((resolve) => ({ kind: 'path', suggestions: [], initial: '', ...o, resolve }));
  }

  confirm(o: Without<Extract<DialogRequest, { kind: 'confirm' }>, 'kind' | 'resolve' | 'danger'> & { danger?: boolean }): Promise<boolean> {
    return this.open<boolean>((resolve) => ({ kind: 'confirm', danger: false, ...o, resolve }));
  }

  /** The About box; resolves when it is closed. */
  about(): Promise<boolean> {
    return this.open<boolean>((resolve) => ({ kind: 'about', resolve }));
  }

  acceptLicense(status: ModelsStatus): Promise<boolean> {
    return this.open<boolean>((resolve) => ({ kind: 'license', status, resolve }));
  }
}
