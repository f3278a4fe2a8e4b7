// The migrations are plain .sql files read at run time: ship them beside the compiled code.
import { cpSync } from 'node:fs';

cpSync(new URL('../src/migrations', import.meta.url), new URL('../dist/migrations', import.meta.url), {
  recursive: true,
  filter: (path) => !path.endsWith('.ts'),
});
