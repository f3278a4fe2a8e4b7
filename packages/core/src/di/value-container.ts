/**
 * The part of a DI container that adapter registration needs. tsyringe's
 * `DependencyContainer` fits it structurally, so adapters offer `register…(container, config)`
 * without depending on tsyringe themselves.
 */
export interface ValueContainer {
  register(token: symbol, provider: { useValue: unknown }): unknown;
}
