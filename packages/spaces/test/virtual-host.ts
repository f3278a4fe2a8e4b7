import { Agent as HttpAgent } from 'node:http';
import type { LookupFunction } from 'node:net';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';

/**
 * A DNS lookup that resolves `domain` and every name under it (`<bucket>.s3.stowage.test`)
 * to 127.0.0.1, so virtual-hosted requests reach the local server without touching
 * /etc/hosts. Any other name fails: tests never leave the loopback interface.
 */
export function loopbackLookup(domain: string, seen?: string[]): LookupFunction {
  const suffix = `.${domain.toLowerCase()}`;
  return (hostname, options, callback) => {
    const name = hostname.toLowerCase();
    seen?.push(name);
    if (
      name !== domain.toLowerCase() &&
      !name.endsWith(suffix) &&
      name !== '127.0.0.1' &&
      name !== 'localhost'
    ) {
      const error = Object.assign(
        new Error(`getaddrinfo ENOTFOUND ${hostname} (tests resolve only *.${domain})`),
        {
          code: 'ENOTFOUND',
          hostname,
        },
      );
      process.nextTick(() => callback(error, '', 4));
      return;
    }
    // net.connect asks for every address (`all: true`) when it may try several families.
    if (typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true) {
      process.nextTick(() =>
        (callback as unknown as (err: null, addresses: Array<{ address: string; family: number }>) => void)(
          null,
          [{ address: '127.0.0.1', family: 4 }],
        ),
      );
      return;
    }
    process.nextTick(() => callback(null, '127.0.0.1', 4));
  };
}

/** An http.Agent for the SDK's NodeHttpHandler that sends `*.domain` to 127.0.0.1. */
export function virtualHostHttpAgent(domain: string, seen?: string[]): HttpAgent {
  return new HttpAgent({ keepAlive: true, maxSockets: 64, lookup: loopbackLookup(domain, seen) });
}

/** A fetch (undici's, with its own dispatcher) that sends `*.domain` to 127.0.0.1. */
export function virtualHostFetch(
  domain: string,
  seen?: string[],
): { fetch: typeof globalThis.fetch; close: () => Promise<void> } {
  const dispatcher = new UndiciAgent({ connect: { lookup: loopbackLookup(domain, seen) } });
  const fetchImpl = ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(
      input as never,
      { ...(init as object), dispatcher } as never,
    )) as unknown as typeof globalThis.fetch;
  return { fetch: fetchImpl, close: () => dispatcher.close() };
}
