import { pipeline } from 'node:stream/promises';

export async function toStdout(
  body: NodeJS.ReadableStream & { destroy(): void },
  signal: AbortSignal,
): Promise<void> {
  try {
    await pipeline(body, process.stdout, { end: false, signal });
  } catch (error) {
    body.destroy();
    // A reader that went away (`| head`) is not a failure of ours.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
    throw error;
  }
}
