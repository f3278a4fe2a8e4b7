import cliProgress from 'cli-progress';
import { humanSize } from './format.js';

export type ProgressMode = 'auto' | 'bar' | 'none' | 'ndjson';

export interface Progress {
  /** Adds to the work known so far (a listing still running keeps raising it). */
  addTotal(items: number, bytes?: number): void;
  /** Marks work done. */
  advance(items: number, bytes?: number): void;
  /** Extra fields shown beside the bar and carried in NDJSON lines. */
  note(fields: Record<string, number | string>): void;
  stop(): void;
}

const noop: Progress = { addTotal() {}, advance() {}, note() {}, stop() {} };

/**
 * Progress on stderr, never stdout: a bar when stderr is a terminal (`auto`, the default),
 * nothing otherwise; `ndjson` writes `{"progress":…}` lines (at most ~5 a second) for wrappers
 * and tests that watch a long command.
 */
export function createProgress(
  mode: ProgressMode,
  label: string,
  unit: 'items' | 'bytes' = 'items',
): Progress {
  const tty = process.stderr.isTTY === true;
  if (mode === 'none' || (mode === 'auto' && !tty)) return noop;
  const state = {
    items: 0,
    totalItems: 0,
    bytes: 0,
    totalBytes: 0,
    extra: {} as Record<string, number | string>,
  };
  if (mode === 'ndjson') {
    let last = 0;
    const emit = (force: boolean) => {
      const now = Date.now();
      if (!force && now - last < 200) return;
      last = now;
      process.stderr.write(
        `${JSON.stringify({ progress: { label, done: state.items, total: state.totalItems, bytes: state.bytes, ...state.extra } })}\n`,
      );
    };
    return {
      addTotal(items, bytes = 0) {
        state.totalItems += items;
        state.totalBytes += bytes;
      },
      advance(items, bytes = 0) {
        state.items += items;
        state.bytes += bytes;
        emit(false);
      },
      note(fields) {
        Object.assign(state.extra, fields);
        emit(false);
      },
      stop() {
        emit(true);
      },
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} {unitLabel} | {detail}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 8,
      formatValue: (value, _options, type) =>
        unit === 'bytes' && (type === 'value' || type === 'total') ? humanSize(value) : String(value),
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = () => ({
    unitLabel: unit === 'bytes' ? '' : 'items',
    detail: [
      unit === 'items' && state.bytes > 0 ? humanSize(state.bytes) : '',
      ...Object.entries(state.extra).map(([k, v]) => `${k} ${v}`),
    ]
      .filter((s) => s !== '')
      .join(' '),
  });
  bar.start(0, 0, payload());
  const total = () => (unit === 'bytes' ? state.totalBytes : state.totalItems);
  const value = () => (unit === 'bytes' ? state.bytes : state.items);
  let stopped = false;
  return {
    addTotal(items, bytes = 0) {
      state.totalItems += items;
      state.totalBytes += bytes;
      bar.setTotal(Math.max(total(), value()));
    },
    advance(items, bytes = 0) {
      state.items += items;
      state.bytes += bytes;
      bar.setTotal(Math.max(total(), value()));
      bar.update(value(), payload());
    },
    note(fields) {
      Object.assign(state.extra, fields);
      bar.update(value(), payload());
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.update(value(), payload());
      bar.stop();
    },
  };
}
