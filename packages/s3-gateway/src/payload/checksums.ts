import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { Crc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';

/** The flexible checksums S3 clients send (`x-amz-checksum-<algorithm>`). */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

/** A running checksum whose result is base64, as S3 carries it. */
export interface Digester {
  update(data: Buffer): void;
  digestBase64(): Promise<string>;
}

/** crc32 from node:zlib, crc32c from @aws-crypto/crc32c, crc64nvme from @aws-sdk/crc64-nvme, sha from node:crypto. */
export function createDigester(algorithm: ChecksumAlgorithm): Digester {
  switch (algorithm) {
    case 'crc32': {
      let value = 0;
      return {
        update: (data) => {
          value = zlibCrc32(data, value);
        },
        digestBase64: async () => uint32Base64(value),
      };
    }
    case 'crc32c': {
      const crc = new Crc32c();
      return {
        update: (data) => {
          crc.update(data);
        },
        digestBase64: async () => uint32Base64(crc.digest()),
      };
    }
    case 'crc64nvme': {
      const crc = new Crc64Nvme();
      return {
        update: (data) => crc.update(data),
        digestBase64: async () => Buffer.from(await crc.digest()).toString('base64'),
      };
    }
    default: {
      const hash = createHash(algorithm);
      return {
        update: (data) => {
          hash.update(data);
        },
        digestBase64: async () => hash.digest('base64'),
      };
    }
  }
}

function uint32Base64(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
}
