import { TOKENS, type ValueContainer } from '@stowage/core';
import { BaseUrlCdn, type BaseUrlCdnConfig } from './base-url-cdn.js';

/**
 * Registers a `BaseUrlCdn` as `TOKENS.Cdn`.
 * @throws ConfigInvalid naming the bad setting.
 */
export function registerBaseUrlCdn(container: ValueContainer, config: BaseUrlCdnConfig): BaseUrlCdn {
  const cdn = new BaseUrlCdn(config);
  container.register(TOKENS.Cdn, { useValue: cdn });
  return cdn;
}
