const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → "1.5 KiB"; exact below 1 KiB. */
export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

export function sizeText(bytes: number, human: boolean): string {
  return human ? humanSize(bytes) : String(bytes);
}

/** "2026-05-01 12:00:00" (UTC, like `aws s3 ls`). */
export function timeText(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 19);
}

export function seconds(since: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - since) / 1e6) / 1000;
}

/** Left-aligned columns, the last one unpadded. */
export function table(
  rows: ReadonlyArray<ReadonlyArray<string>>,
  rightAlign: ReadonlySet<number> = new Set(),
): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : rightAlign.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!),
      )
      .join('  '),
  );
}

/** Parses "30s", "15m", "2h", "7d" or plain seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (match === null) throw new Error(`not a duration: ${text} (use seconds, or 30s, 15m, 2h, 7d)`);
  const n = Number(match[1]);
  const factor = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return n * factor;
}
