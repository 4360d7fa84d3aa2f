// CAA (RFC 8659): flags tag value.

import { RdataError, decodeString } from './common.ts';
import type { Fields, Writer } from './common.ts';

export function parseCAA(f: Fields, w: Writer): void {
  w.u8(f.u8('CAA flags'));
  const tag = f.next('CAA tag');
  if (tag.length === 0 || tag.length > 255 || !/^[A-Za-z0-9]+$/.test(tag)) {
    throw new RdataError(`bad CAA tag '${tag}': must be letters and digits`);
  }
  w.u8(tag.length);
  for (let i = 0; i < tag.length; i++) w.u8(tag.charCodeAt(i));
  w.bytes(decodeString(f.next('CAA value'), 'CAA value'));
  f.done();
}
