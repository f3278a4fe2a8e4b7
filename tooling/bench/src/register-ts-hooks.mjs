// Runs bench files straight from the TypeScript sources of the monorepo (no build step):
// `@stowage/<name>` resolves to packages/<name>/src/index.ts and a relative `./x.js` import
// from a .ts file falls back to `./x.ts`. Node 24 transforms the types itself.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packagesDir = fileURLToPath(new URL('../../../packages/', import.meta.url));

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
