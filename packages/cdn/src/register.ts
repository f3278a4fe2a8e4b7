import { TOKENS } from '@stowage/core';
import { BaseUrlCdn, type BaseUrlCdnConfig } from './base-url-cdn.js';

/** The part of a DI container (tsyringe's `DependencyContainer` fits) that registration needs. */
export interface ValueContainer {
  register(token: symbol, provider: { useValue: unknown }): unknown;
}

/**
 * Registers a `BaseUrlCdn` as `TOKENS.Cdn`.
 * @throws ConfigInvalid naming the bad setting.
 */
export function registerBaseUrlCdn(container: ValueContainer, config: BaseUrlCdnConfig): BaseUrlCdn {
  const cdn = new BaseUrlCdn(config);
  container.register(TOKENS.Cdn, { useValue: cdn });
  return cdn;
}
