// Lets the fleet test's worker processes run this repository's TypeScript sources directly
// (`@stowage/<name>` → packages/<name>/src/index.ts, `./x.js` → `./x.ts`), as vitest does.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packagesDir = fileURLToPath(new URL('../../../', import.meta.url));

registerHooks({
  resolve(specifier, context, nextResolve) {
    const pkg = /^@stowage\/([a-z0-9-]+)$/.exec(specifier);
    if (pkg !== null) {
      const file = `${packagesDir}${pkg[1]}/src/index.ts`;
      if (existsSync(file)) return { url: pathToFileURL(file).href, shortCircuit: true };
    }
    if ((specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js')) {
      const parent = context.parentURL;
      if (parent?.endsWith('.ts')) {
        const asTs = new URL(`${specifier.slice(0, -3)}.ts`, parent);
        if (existsSync(fileURLToPath(asTs))) return { url: asTs.href, shortCircuit: true };
      }
    }
    return nextResolve(specifier, context);
  },
});
