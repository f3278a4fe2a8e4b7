import { resolve } from 'node:path';
import { runExample } from './run-example.js';

// pnpm runs scripts inside the package; INIT_CWD is where the user typed the command.
const cwd = process.env.INIT_CWD ?? process.cwd();
const root = resolve(cwd, process.argv[2] ?? '.stowage/example');
const report = await runExample(root, (line) => console.log(line));
console.log(
  `\ndone: objects are on disk under ${report.root} (look at them; delete the folder to start over)`,
);
