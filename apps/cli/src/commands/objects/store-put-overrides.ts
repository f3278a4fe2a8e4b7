import type { StoreEndpoint, WriteOverrides } from '../../endpoints.js';

export function storePutOverrides(dst: StoreEndpoint, o: WriteOverrides) {
  const caps = dst.store.storage.store.capabilities;
  return {
    ...(o.contentType === undefined ? {} : { contentType: o.contentType }),
    ...(o.cacheControl === undefined ? {} : { cacheControl: o.cacheControl }),
    ...(o.contentDisposition === undefined ? {} : { contentDisposition: o.contentDisposition }),
    ...(o.metadata === undefined ? {} : { metadata: o.metadata }),
    ...(o.visibility === undefined || !caps.visibility ? {} : { visibility: o.visibility }),
    ...(o.noOverwrite === true ? { ifNoneMatch: '*' as const } : {}),
  };
}
