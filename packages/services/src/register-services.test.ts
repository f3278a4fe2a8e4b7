import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import * as services from './index.js';
import { servicesOnMemory } from './services.test-support.js';
import { SERVICE_TOKENS } from './tokens.js';

describe('dependency injection', () => {
  it('every injectable class has an @inject token on every constructor parameter', () => {
    const classes = Object.entries(services).filter(
      ([, value]) => typeof value === 'function' && /^class\s/.test(Function.prototype.toString.call(value)),
    ) as Array<[string, abstract new (...args: never[]) => unknown]>;
    const injectable = classes.filter(([, cls]) => cls.length > 0);
    expect(injectable.length).toBeGreaterThanOrEqual(8);
    for (const [name, cls] of injectable) {
      const tokens = Reflect.getOwnMetadata('injectionTokens', cls) as Record<number, unknown> | undefined;
      const missing = Array.from({ length: cls.length }, (_, i) => i).filter(
        (i) => tokens?.[i] === undefined,
      );
      expect(missing, `${name}: constructor parameters without @inject`).toEqual([]);
    }
  });

  it('the container resolves every service', () => {
    const { container } = servicesOnMemory();
    for (const [name, token] of Object.entries(SERVICE_TOKENS)) {
      if (name.endsWith('Config') || name === 'Cdn' || name === 'BucketAdminRef' || name === 'Fetch')
        continue;
      expect(container.resolve(token), name).toBeDefined();
    }
  });
});
