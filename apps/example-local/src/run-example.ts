import { isCommonPrefix, isStorageError, readText } from '@stowage/core';
import { LocalCdn, LocalObjectStore, listenLocalServer } from '@stowage/local';

export interface ExampleReport {
  root: string;
  serverUrl: string;
  stored: string[];
  listing: string[];
  presignedGet: { status: number; body: string };
  tamperedGet: { status: number };
  publicGet: { status: number; contentType: string | null };
  privateGet: { status: number };
  presignedPut: { status: number; storedAs: string };
  missingHead: string;
}

/**
 * The local-mode tour: objects on disk under `root`, served by the local server like a
 * bucket behind a CDN, with HMAC-signed URLs. Returns what happened so tests can check it.
 */
export async function runExample(
  root: string,
  log: (line: string) => void = () => {},
): Promise<ExampleReport> {
  const secret = 'example-secret-not-for-production';
  let store: LocalObjectStore | undefined;
  const server = await listenLocalServer({ store: () => store, secret });
  try {
    store = new LocalObjectStore({
      root,
      signing: { secret, baseUrl: server.url },
      publicBaseUrl: server.url,
    });
    const cdn = new LocalCdn({ baseUrl: server.url });
    log(`objects live under ${root}; served at ${server.url}`);

    const stored: string[] = [];
    const put = async (key: string, body: string, options: Parameters<LocalObjectStore['put']>[2] = {}) => {
      const info = await store!.put(key, body, options);
      stored.push(key);
      log(`put   ${key} (${info.size} B, ${info.contentType}, ${info.visibility}, etag ${info.etag})`);
    };
    await put('docs/readme.txt', 'Hello from local mode.\n');
    await put('docs/reports/2026/q3.json', JSON.stringify({ revenue: 42 }), { metadata: { owner: 'ann' } });
    await put('public/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>', {
      visibility: 'public',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    await put('café/menu ünïcode 😀.txt', 'keys keep spaces, unicode and emoji');

    const listing: string[] = [];
    for await (const entry of store.list({ delimiter: '/' })) {
      listing.push(isCommonPrefix(entry) ? entry.prefix : entry.key);
    }
    log(`list  ${listing.join('  ')}`);

    const url = await store.presignGet('docs/reports/2026/q3.json', { expiresIn: 300 });
    const signed = await fetch(url);
    const presignedGet = { status: signed.status, body: await signed.text() };
    log(`presigned GET ${presignedGet.status} ${presignedGet.body}`);

    const tampered = await fetch(url.replace('q3.json', 'q4.json'));
    await tampered.body?.cancel();
    log(`tampered GET  ${tampered.status}`);

    const publicRes = await cdn.fetch('public/logo.svg');
    await publicRes.body?.cancel();
    const privateRes = await fetch(cdn.publicUrl('docs/readme.txt'));
    await privateRes.body?.cancel();
    log(`public GET    ${publicRes.status} ${cdn.publicUrl('public/logo.svg')}`);
    log(`private GET   ${privateRes.status} (not public: needs a signed URL)`);

    const upload = await store.presignPut('uploads/hello.txt', { expiresIn: 60, contentType: 'text/plain' });
    const putRes = await fetch(upload.url, {
      method: upload.method,
      headers: upload.headers,
      body: 'uploaded',
    });
    await putRes.body?.cancel();
    const uploaded = await store.get('uploads/hello.txt');
    const storedAs = await readText(uploaded);
    log(`presigned PUT ${putRes.status} -> ${JSON.stringify(storedAs)}`);

    let missingHead = 'no error';
    try {
      await store.head('docs/missing.txt');
    } catch (error) {
      missingHead = isStorageError(error) ? `${error.kind}` : 'foreign error';
    }
    log(`head missing  ${missingHead} (a typed StorageError)`);

    return {
      root,
      serverUrl: server.url,
      stored,
      listing,
      presignedGet,
      tamperedGet: { status: tampered.status },
      publicGet: { status: publicRes.status, contentType: publicRes.headers.get('content-type') },
      privateGet: { status: privateRes.status },
      presignedPut: { status: putRes.status, storedAs },
      missingHead,
    };
  } finally {
    await server.close();
  }
}
