import { CommanderError } from '@commander-js/extra-typings';
import { CompletedWithCode, EXIT, errorJson, errorLines, exitCodeFor } from './errors.js';
import { buildProgram } from './program.js';
import { installSignalHandlers, state } from './session.js';

/** Runs `stowage` with `argv` (as process.argv) and resolves to the exit code; never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  installSignalHandlers();
  const program = buildProgram();
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  if (argv.length <= 2) {
    // No command: the help, as a usage error (scripts that lost their arguments should notice).
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv]);
    return state.interrupted ? EXIT.interrupted : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; everything else commander refuses is a usage error.
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version'
      ) {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    const code = exitCodeFor(error, state.interrupted);
    if (error instanceof CompletedWithCode) return code;
    if (json) process.stderr.write(`${JSON.stringify(errorJson(error, code))}\n`);
    else for (const line of errorLines(error, verbose)) process.stderr.write(`${line}\n`);
    return code;
  }
}
