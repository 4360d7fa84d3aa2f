// SSHFP (RFC 4255), TLSA (RFC 6698) and SMIMEA (RFC 8162).

import { decodeHex, RdataError } from './common.ts';
import type { Fields, Writer } from './common.ts';

export function parseSSHFP(f: Fields, w: Writer): void {
  w.u8(f.u8('SSHFP algorithm'));
  const fpType = f.u8('SSHFP fingerprint type');
  w.u8(fpType);
  const fp = decodeHex(f.rest('SSHFP fingerprint'), 'SSHFP fingerprint');
  const want = fpType === 1 ? 20 : fpType === 2 ? 32 : -1;
  if (want > 0 && fp.length !== want) {
    throw new RdataError(`bad SSHFP fingerprint: ${fp.length} bytes, type ${fpType} needs ${want}`);
  }
  w.bytes(fp);
}

/** TLSA / SMIMEA: usage selector matching-type certificate-association-data. */
export function parseTLSA(f: Fields, w: Writer): void {
  w.u8(f.u8('certificate usage'));
  w.u8(f.u8('selector'));
  const mtype = f.u8('matching type');
  w.u8(mtype);
  const data = decodeHex(f.rest('certificate association data'), 'certificate association data');
  const want = mtype === 1 ? 32 : mtype === 2 ? 64 : -1;
  if (want > 0 && data.length !== want) {
    throw new RdataError(`bad certificate association data: ${data.length} bytes, matching type ${mtype} needs ${want}`);
  }
  w.bytes(data);
}
