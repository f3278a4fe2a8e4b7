export * from './fault-proxy.js';
export type { ByteBudget, Direction, FaultSettings } from './fault-settings.js';
