// When each fault happens, and when the load generator keeps quiet. Pure functions of the run's length.

export const FAULT_KINDS = [
  'socket-drop',
  'silent-socket',
  'kill-ingest-mid-flush',
  'redis-kill',
  'compaction',
  'disk-full',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ScheduledFault {
  atMs: number;
  kind: FaultKind;
}

/**
 * Every kind in turn, `spacingMs` apart (at most 5 minutes, fewer for short runs so each kind happens at least
 * once), the first one spacing after the start; none in the last spacing, so the end measures a quiet pipeline.
 */
export function faultSchedule(durationMs: number, maxSpacingMs = 5 * 60_000): ScheduledFault[] {
  const spacing = Math.min(maxSpacingMs, durationMs / (FAULT_KINDS.length + 1));
  const out: ScheduledFault[] = [];
  for (let k = 0, at = spacing; at <= durationMs - spacing + 1; k++, at += spacing)
    out.push({ atMs: Math.round(at), kind: FAULT_KINDS[k % FAULT_KINDS.length] });
  return out;
}

/** A daily UTC window, "HH:MM-HH:MM" (may wrap midnight). */
export interface QuietWindow {
  fromMin: number;
  toMin: number;
}

export function parseQuietWindows(spec: string | undefined): QuietWindow[] {
  if (!spec) return [];
  return spec.split(',').map((w) => {
    const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(w.trim());
    if (!m || Number(m[1]) > 23 || Number(m[3]) > 23 || Number(m[2]) > 59 || Number(m[4]) > 59)
      throw new Error(`--quiet takes UTC windows like 20:50-21:20 (comma-separated), got "${w}"`);
    return { fromMin: Number(m[1]) * 60 + Number(m[2]), toMin: Number(m[3]) * 60 + Number(m[4]) };
  });
}

/** Whether `atMs` (epoch) falls in one of the windows. */
export function inQuietWindow(atMs: number, windows: readonly QuietWindow[]): boolean {
  const d = new Date(atMs);
  const min = d.getUTCHours() * 60 + d.getUTCMinutes();
  return windows.some((w) =>
    w.fromMin <= w.toMin ? min >= w.fromMin && min < w.toMin : min >= w.fromMin || min < w.toMin,
  );
}
