// Every kind of malformed query gets the right rcode or a silent drop, and each drop has its
// reason for peregrine_dropped_total{reason} (knotd agrees on the outcomes: test/interop/malformed.test.ts).
import { describe, expect, it } from 'vitest';
import { DROP_ENGINE_BASE, DROP_REASON_NAMES } from '../../src/worker/counters.ts';
import { askRaw, decode, engineFor } from '../helpers/engine.ts';
import { MALFORMED_ID, malformedCases, outcome } from '../helpers/malformed.ts';

const ZONE = `$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.80
`;

describe('malformed queries', () => {
  const engine = engineFor({ 'example.': ZONE });
  for (const c of malformedCases()) {
    it(`${c.label}: ${c.expect}${c.reason ? ` (${c.reason})` : ''}`, () => {
      const response = askRaw(engine, c.packet);
      expect(outcome(response)).toBe(c.expect);
      if (response === null) {
        expect(engine.lastRcode).toBe(-1);
        expect(DROP_REASON_NAMES[DROP_ENGINE_BASE + engine.lastDropReason]).toBe(c.reason);
        return;
      }
      // Whatever the rcode, the ID is echoed and the response parses.
      expect(response.readUInt16BE(0)).toBe(c.packet.readUInt16BE(0));
      expect(c.packet.readUInt16BE(0)).toBe(MALFORMED_ID);
      expect(() => decode(response)).not.toThrow();
      expect(response[2] & 0x80).toBe(0x80);
    });
  }
});
