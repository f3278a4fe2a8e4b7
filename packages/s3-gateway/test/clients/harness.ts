import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const OPERATIONS = [
  'create bucket',
  'put small',
  'get small',
  'put multipart',
  'get multipart',
  'list prefix+delimiter',
  'copy',
  'delete many',
  'presign',
  'sync dir',
] as const;
export type Operation = (typeof OPERATIONS)[number];
/** "ok", a failure's text, or "n/a: why" for what a client cannot do. */
export type Outcome = string;

export interface ClientContext {
  endpoint: string;
  bucket: string;
  workdir: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Environment for subprocesses: credentials, region, no user config. */
  env: NodeJS.ProcessEnv;
  /** The ETag the gateway answers a HEAD of `key` with (checked with the SDK). */
  headEtag(key: string): Promise<string>;
}

export const REPO = resolve(import.meta.dirname, '../../../..');
export const VENV_BIN = join(process.env.STOWAGE_VENV ?? join(REPO, '.venv'), 'bin');
export const BIG_BYTES = 12 * 1024 * 1024;
export const SMALL_TEXT = 'hello from the client table';

/** Files every client uploads: a small one, a 12 MiB one (multipart), and trees for list, delete and sync. */
export async function prepareWorkdir(workdir: string): Promise<void> {
  await mkdir(workdir, { recursive: true });
  await writeFile(join(workdir, 'small.txt'), SMALL_TEXT);
  const big = Buffer.alloc(BIG_BYTES);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  await writeFile(join(workdir, 'big.bin'), big);
  const files: Record<string, string> = {
    'list/a.txt': 'a',
    'list/sub/b.txt': 'b',
    'list/sub/c.txt': 'c',
    'del/0.txt': '0',
    'del/1.txt': '1',
    'del/2.txt': '2',
    'del/3.txt': '3',
    'del/4.txt': '4',
    'tree/readme.md': '# tree',
    'tree/docs/guide.txt': 'guide',
    'tree/docs/deep/nested file.txt': 'nested, with a space',
    'tree/img/pixel.bin': '\u0000\u0001\u0002',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(workdir, path, '..'), { recursive: true });
    await writeFile(join(workdir, path), text);
  }
}

export const TREE_KEYS = ['docs/deep/nested file.txt', 'docs/guide.txt', 'img/pixel.bin', 'readme.md'];

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a client, never throwing: the caller judges the outcome. */
export function run(
  cmd: string,
  args: readonly string[],
  ctx: ClientContext,
  timeoutMs = 60_000,
): Promise<Run> {
  return new Promise((done) => {
    execFile(
      cmd,
      [...args],
      { env: ctx.env, cwd: ctx.workdir, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Runs and requires exit code 0; returns stdout. */
export async function ok(
  cmd: string,
  args: readonly string[],
  ctx: ClientContext,
  timeoutMs?: number,
): Promise<string> {
  const r = await run(cmd, args, ctx, timeoutMs);
  if (r.code !== 0) {
    throw new Error(
      `${cmd.split('/').pop()} ${args.slice(0, 3).join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-400)}`,
    );
  }
  return r.stdout;
}

export function expectEqual<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: got ${a}, expected ${e}`);
}

export async function fetchText(url: string, init?: RequestInit): Promise<string> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${response.status}: ${text.slice(0, 200)}`);
  return text;
}

/** Runs the operations in order, recording each outcome; a failing operation does not stop the rest. */
export async function runOperations(
  steps: Partial<Record<Operation, () => Promise<void>>>,
  notApplicable: Partial<Record<Operation, string>> = {},
): Promise<Record<Operation, Outcome>> {
  const out = {} as Record<Operation, Outcome>;
  for (const op of OPERATIONS) {
    const why = notApplicable[op];
    if (why !== undefined) {
      out[op] = `n/a: ${why}`;
      continue;
    }
    const step = steps[op];
    if (step === undefined) {
      out[op] = 'n/a';
      continue;
    }
    try {
      await step();
      out[op] = 'ok';
    } catch (error) {
      out[op] = `FAIL: ${error instanceof Error ? error.message : String(error)}`
        .replace(/\s+/g, ' ')
        .slice(0, 300);
    }
  }
  return out;
}

/** Whether a tool is there, and if not, how to get it. */
export function missingTool(path: string, hint: string): string | undefined {
  return existsSync(path) ? undefined : `${path} is missing (${hint})`;
}

/** The table the test prints: one row per client, one column per operation. */
export function renderTable(
  title: string,
  rows: ReadonlyArray<{ client: string; outcomes: Record<Operation, Outcome> }>,
): string {
  const short = (o: Outcome) => (o === 'ok' ? 'ok' : o.startsWith('n/a') ? 'n/a' : 'FAIL');
  const header = ['client', ...OPERATIONS];
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${[r.client, ...OPERATIONS.map((op) => short(r.outcomes[op]))].join(' | ')} |`),
  ];
  const notes = rows.flatMap((r) =>
    OPERATIONS.filter((op) => r.outcomes[op] !== 'ok').map(
      (op) => `- ${r.client} / ${op}: ${r.outcomes[op]}`,
    ),
  );
  return [`\n${title}`, ...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}
