/** The loopback S3 servers that `tooling/servers/start.sh` runs. */
export type S3ServerName = 'seaweedfs' | 'moto';

/** How to get the servers running, quoted in every skip and failure. */
export const ENABLE_SERVERS_HINT =
  'bash tooling/servers/install.sh && bash tooling/servers/start.sh && . tooling/servers/env.sh';

export interface AvailableS3Target {
  available: true;
  name: S3ServerName;
  /** S3 endpoint, path-style (`http://127.0.0.1:port`). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * Whether the server checks SigV4 signatures and expiry of presigned URLs. SeaweedFS does;
   * moto accepts any signature and any expiry, so tampering/expiry cases are meaningless there.
   */
  verifiesPresignedUrls: boolean;
  /** Why `verifiesPresignedUrls` is false, for skip messages. */
  presignNote?: string;
  /** SeaweedFS only: the filer's HTTP endpoint (native API: TTL, …). */
  filerEndpoint?: string;
  /** SeaweedFS only: `<bucket>.<domain>:<port>` reaches a bucket by virtual-hosted addressing. */
  virtualHostDomain?: string;
}

export interface UnavailableS3Target {
  available: false;
  name: S3ServerName;
  /** What was tried and what happened. */
  reason: string;
}

export type S3TestTarget = AvailableS3Target | UnavailableS3Target;

type Env = Record<string, string | undefined>;

/** Connection settings from the environment, defaulting exactly as `tooling/servers/env.sh` does. */
export function s3TargetSettings(
  name: S3ServerName,
  env: Env = process.env,
): Omit<AvailableS3Target, 'available'> {
  const region = env.STOWAGE_S3_REGION ?? 'us-east-1';
  if (name === 'seaweedfs') {
    const s3Port = env.STOWAGE_SEAWEED_S3_PORT ?? '8333';
    const filerPort = env.STOWAGE_SEAWEED_FILER_PORT ?? '8988';
    return {
      name,
      endpoint: env.STOWAGE_SEAWEED_S3_ENDPOINT ?? `http://127.0.0.1:${s3Port}`,
      region: env.STOWAGE_SEAWEED_REGION ?? region,
      accessKeyId: env.STOWAGE_SEAWEED_ACCESS_KEY ?? 'stowage',
      secretAccessKey: env.STOWAGE_SEAWEED_SECRET_KEY ?? 'stowage-secret',
      verifiesPresignedUrls: true,
      filerEndpoint: env.STOWAGE_SEAWEED_FILER_ENDPOINT ?? `http://127.0.0.1:${filerPort}`,
      virtualHostDomain: env.STOWAGE_SEAWEED_DOMAIN ?? 's3.stowage.test',
    };
  }
  const port = env.STOWAGE_MOTO_PORT ?? '5055';
  return {
    name,
    endpoint: env.STOWAGE_MOTO_ENDPOINT ?? `http://127.0.0.1:${port}`,
    region: env.STOWAGE_MOTO_REGION ?? region,
    accessKeyId: env.STOWAGE_MOTO_ACCESS_KEY ?? 'testing',
    secretAccessKey: env.STOWAGE_MOTO_SECRET_KEY ?? 'testing',
    verifiesPresignedUrls: false,
    presignNote: 'moto does not verify SigV4 signatures or expiry of presigned URLs',
  };
}

const PROBE_TIMEOUT_MS = 3000;

/** One real HTTP request; resolves to a problem description, or undefined when the answer looks right. */
async function probe(
  url: string,
  check: (status: number, body: string) => string | undefined,
  init: RequestInit = {},
) {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = await res.text();
    return check(res.status, body);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return `${url} did not answer (${cause ?? (error as Error).message})`;
  }
}

async function probeTarget(name: S3ServerName, env: Env): Promise<S3TestTarget> {
  const settings = s3TargetSettings(name, env);
  // An unsigned ListBuckets: any S3 server answers it with S3 XML (a listing, or AccessDenied).
  const s3Problem = await probe(`${settings.endpoint}/`, (status, body) =>
    /<(ListAllMyBucketsResult|Error)[\s>]/.test(body)
      ? undefined
      : `${settings.endpoint}/ answered HTTP ${status} without S3 XML: is something else on that port?`,
  );
  if (s3Problem !== undefined) return { available: false, name, reason: `${name}: ${s3Problem}` };
  if (settings.filerEndpoint !== undefined) {
    const filerProblem = await probe(
      `${settings.filerEndpoint}/`,
      (status) => (status === 200 ? undefined : `filer ${settings.filerEndpoint}/ answered HTTP ${status}`),
      { headers: { accept: 'application/json' } },
    );
    if (filerProblem !== undefined) return { available: false, name, reason: `${name}: ${filerProblem}` };
  }
  return { available: true, ...settings };
}

const cache = new Map<S3ServerName, Promise<S3TestTarget>>();

/**
 * Finds the named test server from the environment (defaults as in `tooling/servers/env.sh`)
 * and checks it answers. Never throws: an unreachable server is `{ available: false, reason }`.
 * The probe runs once per process.
 */
export function s3TestTarget(name: S3ServerName, env: Env = process.env): Promise<S3TestTarget> {
  if (env !== process.env) return probeTarget(name, env);
  let found = cache.get(name);
  if (found === undefined) {
    found = probeTarget(name, env);
    cache.set(name, found);
  }
  return found;
}

/** A fresh, valid, unique bucket name (S3 rules: lower-case, 3–63 characters). */
export function uniqueBucketName(label: string): string {
  const clean =
    label
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'test';
  const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return `${clean}-${suffix}`.slice(0, 63).replace(/-+$/, '');
}

/** What SeaweedFS 4.48 gets wrong as a server, for `serverLimitations` of suites run against it. */
export const SEAWEEDFS_SERVER_LIMITATIONS = {
  racingFileAndFolderWrites:
    'SeaweedFS 4.48 loses an acknowledged put of `a` when a put of `a/b` races it (3 of 40 races here)',
} as const;
