import { inspect } from 'node:util';

/** Every way a value is commonly printed or logged: inspect (also hidden), String, JSON. */
export function renderings(value: unknown): string[] {
  const out = [
    inspect(value, { depth: 8 }),
    inspect(value, { depth: 8, showHidden: true, getters: false }),
    String(value),
  ];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch (error) {
    out.push(String((error as Error)?.message ?? error));
  }
  return out;
}
