import type { ParsedRuntimeConfig } from '../config/runtime-config.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8787;

/** Where an HTTP service built on the runtime is reached, ending in "/". */
export function publicBaseUrl(config: ParsedRuntimeConfig, port?: number): string {
  if (config.server?.publicUrl !== undefined) return config.server.publicUrl;
  const host = config.server?.host ?? DEFAULT_HOST;
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port ?? config.server?.port ?? DEFAULT_PORT}/`;
}

/** The path objects are served under when a service mounts the file handler. */
export const FILES_PATH = 'files/';
