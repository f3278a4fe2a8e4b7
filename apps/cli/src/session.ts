import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { Cli, type GlobalOptions } from './context.js';
import { Interrupted } from './errors.js';

/**
 * The process's one interrupt: the first Ctrl-C (SIGINT) or SIGTERM aborts the signal every
 * operation runs with (transfers stop, partial uploads are aborted, temp files removed,
 * checkpoints saved); a second one exits at once.
 */
export const interruption = new AbortController();
export const state: { interrupted: boolean; active: Cli | undefined } = {
  interrupted: false,
  active: undefined,
};

export function installSignalHandlers(): void {
  const onSignal = (name: NodeJS.Signals) => {
    if (state.interrupted) {
      process.stderr.write('\nstowage: interrupted again; exiting now\n');
      process.exit(130);
    }
    state.interrupted = true;
    process.stderr.write(
      `\nstowage: interrupted (${name}); stopping cleanly… (press Ctrl-C again to exit now)\n`,
    );
    interruption.abort(new Interrupted(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Runs a command's work with its context, closing what it opened whatever happens. */
export async function withCli(command: CommandUnknownOpts, work: (cli: Cli) => Promise<void>): Promise<void> {
  const globals = command.optsWithGlobals() as GlobalOptions;
  const cli = new Cli(globals, interruption.signal);
  state.active = cli;
  try {
    await work(cli);
  } finally {
    await cli.close();
  }
}

/** Throws the interruption when the signal fired (after a command stopped its work cleanly). */
export function throwIfInterrupted(signal: AbortSignal, resumeHint?: string): void {
  if (!signal.aborted) return;
  const error = signal.reason instanceof Interrupted ? signal.reason : new Interrupted('SIGINT');
  if (resumeHint !== undefined) error.hint = resumeHint;
  throw error;
}
