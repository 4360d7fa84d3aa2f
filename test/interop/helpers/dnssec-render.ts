// Readable DNSSEC records in diff listings. wire.ts renders RRSIG, NSEC, NSEC3, DNSKEY and
// NSEC3PARAM as RFC 3597 `\# len hex` (so they are compared byte for byte, a compressed NSEC
// next name included); this turns those into presentation format for humans, after the
// comparison. Only the listing text changes.
import { typeName } from './wire.ts';
import { base32hex } from '../../helpers/base32hex.ts';

function readName(b: Buffer, at: number): { name: string; end: number } {
  const labels: string[] = [];
  let p = at;
  for (;;) {
    if (p >= b.length) throw new Error('name runs past RDATA');
    const len = b[p];
    if (len === 0) return { name: labels.length === 0 ? '.' : `${labels.join('.')}.`, end: p + 1 };
    if ((len & 0xc0) !== 0) throw new Error('compressed name in RDATA');
    labels.push(b.subarray(p + 1, p + 1 + len).toString('latin1'));
    p += len + 1;
  }
}

function typeBitmaps(b: Buffer, at: number): string[] {
  const types: string[] = [];
  let p = at;
  while (p + 2 <= b.length) {
    const win = b[p];
    const len = b[p + 1];
    for (let i = 0; i < len; i++) {
      const byte = b[p + 2 + i];
      for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) types.push(typeName(win * 256 + i * 8 + bit));
    }
    p += 2 + len;
  }
  return types;
}

function time(b: Buffer, at: number): string {
  return new Date(b.readUInt32BE(at) * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Presentation format of one DNSSEC RDATA given as bytes; null if it cannot be read. */
export function renderDnssecRdata(type: string, b: Buffer): string | null {
  try {
    switch (type) {
      case 'RRSIG': {
        const signer = readName(b, 18);
        return [
          typeName(b.readUInt16BE(0)), b[2], b[3], b.readUInt32BE(4), time(b, 8), time(b, 12), b.readUInt16BE(16),
          signer.name, b.subarray(signer.end).toString('base64'),
        ].join(' ');
      }
      case 'NSEC': {
        const next = readName(b, 0);
        return [next.name, ...typeBitmaps(b, next.end)].join(' ');
      }
      case 'NSEC3': {
        const saltLen = b[4];
        const salt = saltLen === 0 ? '-' : b.subarray(5, 5 + saltLen).toString('hex');
        const hashLen = b[5 + saltLen];
        const next = b.subarray(6 + saltLen, 6 + saltLen + hashLen);
        return [b[0], b[1], b.readUInt16BE(2), salt, base32hex(next), ...typeBitmaps(b, 6 + saltLen + hashLen)].join(' ');
      }
      case 'NSEC3PARAM': {
        const saltLen = b[4];
        return [b[0], b[1], b.readUInt16BE(2), saltLen === 0 ? '-' : b.subarray(5, 5 + saltLen).toString('hex')].join(' ');
      }
      case 'DNSKEY':
        return [b.readUInt16BE(0), b[2], b[3], b.subarray(4).toString('base64')].join(' ');
      default:
        return null;
    }
  } catch {
    return null;
  }
}

const GENERIC = /\b(RRSIG|NSEC3PARAM|NSEC3|NSEC|DNSKEY) \\# (\d+) ([0-9A-Fa-f]+)/g;

/** Rewrite the `\# len hex` DNSSEC RDATA of a listing into presentation format. */
export function readableDnssec(text: string): string {
  return text.replace(GENERIC, (all, type: string, _len: string, hex: string) => {
    const r = renderDnssecRdata(type, Buffer.from(hex, 'hex'));
    return r === null ? all : `${type} ${r}`;
  });
}
