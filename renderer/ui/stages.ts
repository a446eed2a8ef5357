/**
 * What the host's task stages are called on screen. The engine reports short stage names
 * (main/engine/runner.ts and the engines); a person reads what is being done.
 */
const LABELS: Record<string, string> = {
  starting: 'Starting',
  probe: 'Reading the video',
  flow: 'Optical flow',
  'flow completion': 'Completing the flow',
  propagation: 'Propagating pixels',
  propagate: 'Following the mask',
  inpaint: 'Filling',
  inpainting: 'Filling',
  encode: 'Writing finished frames',
  copy: 'Copying the frames outside the in/out range',
  finish: 'Finishing the file',
  export: 'Exporting',
};

export function stageLabel(stage: string | null | undefined): string {
  if (!stage) return 'Working';
  return LABELS[stage] ?? stage.charAt(0).toUpperCase() + stage.slice(1);
}

export function formatEta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '—';
  if (sec < 60) return `${Math.ceil(sec)} s`;
  return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
}
