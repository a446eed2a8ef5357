/**
 * In-page modal dialogs as promises: `await askPath(...)`, `await confirm(...)`. Used where the host
 * has no native dialogs (the web host) and for questions no OS dialog asks (licence, unsaved changes).
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ModelsStatus } from '../../common/contract/types';

export type DialogRequest =
  | { kind: 'path'; title: string; message: string; initial: string; confirmLabel: string; suggestions: string[]; resolve(v: string | null): void }
  | { kind: 'confirm'; title: string; message: string; confirmLabel: string; danger: boolean; resolve(v: boolean): void }
  | { kind: 'license'; status: ModelsStatus; resolve(v: boolean): void };

const dialogStore = createStore<{ current: DialogRequest | null }>()(() => ({ current: null }));

export function useDialog(): DialogRequest | null {
  return useStore(dialogStore, (s) => s.current);
}

export function closeDialog(): void {
  dialogStore.setState({ current: null });
}

type Without<T, K extends keyof T> = Omit<T, K>;

function open<T>(make: (resolve: (v: T) => void) => DialogRequest): Promise<T> {
  // A new question replaces an unanswered one, which counts as cancelled.
  const previous = dialogStore.getState().current;
  if (previous) (previous.resolve as (v: unknown) => void)(previous.kind === 'path' ? null : false);
  return new Promise<T>((resolve) => {
    dialogStore.setState({
      current: make((v) => {
        closeDialog();
        resolve(v);
      }),
    });
  });
}

export function askPath(o: Without<Extract<DialogRequest, { kind: 'path' }>, 'kind' | 'resolve' | 'suggestions'> & { suggestions?: string[] }): Promise<string | null> {
  return open<string | null>((resolve) => ({ kind: 'path', suggestions: [], ...o, resolve }));
}

export function confirmDialog(o: Without<Extract<DialogRequest, { kind: 'confirm' }>, 'kind' | 'resolve' | 'danger'> & { danger?: boolean }): Promise<boolean> {
  return open<boolean>((resolve) => ({ kind: 'confirm', danger: false, ...o, resolve }));
}

export function acceptLicense(status: ModelsStatus): Promise<boolean> {
  return open<boolean>((resolve) => ({ kind: 'license', status, resolve }));
}
