import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { registerCatCommand } from './objects/cat.js';
import { registerCpCommand } from './objects/cp.js';
import { registerGetCommand } from './objects/get.js';
import { registerHeadCommand } from './objects/head.js';
import { registerLsCommand } from './objects/ls.js';
import { registerMvCommand } from './objects/mv.js';
import { registerPresignCommand } from './objects/presign.js';
import { registerPutCommand } from './objects/put.js';
import { registerRmCommand } from './objects/rm.js';

export function registerObjectCommands(program: CommandUnknownOpts): void {
  // The order of registration is the order of `stowage --help` and of the completions.
  registerPutCommand(program);
  registerGetCommand(program);
  registerCatCommand(program);
  registerLsCommand(program);
  registerRmCommand(program);
  registerHeadCommand(program);
  registerCpCommand(program);
  registerMvCommand(program);
  registerPresignCommand(program);
}
