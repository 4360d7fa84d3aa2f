// CHAOS-class TXT answers (id.server, hostname.bind, version.bind, version.server) used by
// operators and health checks to ask which server and version answered.

export interface ChaosOptions {
  /** Answer of id.server. and hostname.bind.; null turns them off. */
  idServer: string | null;
  hostnameBind: string | null;
  /** Answer of version.bind. and version.server.; null turns them off. */
  versionBind: string | null;
}

const QTYPE_TXT = 16;

function wireName(text: string): Uint8Array {
  const labels = text.split('.').filter((l) => l.length > 0);
  const out: number[] = [];
  for (const l of labels) out.push(l.length, ...Buffer.from(l, 'latin1'));
  out.push(0);
  return Uint8Array.from(out);
}

/** The answer RR: owner = pointer to the question, CH TXT, TTL 0. */
function txtRecord(text: string): Uint8Array {
  const data = Buffer.from(text, 'utf8');
  const strings: number[] = [];
  for (let i = 0; i < data.length || i === 0; i += 255) {
    const chunk = data.subarray(i, i + 255);
    strings.push(chunk.length, ...chunk);
    if (data.length === 0) break;
  }
  const rr = [0xc0, 0x0c, 0, QTYPE_TXT, 0, 3, 0, 0, 0, 0, strings.length >>> 8, strings.length & 0xff];
  return Uint8Array.from([...rr, ...strings]);
}

/** CH TXT health.peregrine.: the DNS health probe (keepalived MISC_CHECK) asks this. */
const HEALTH_NAME = wireName('health.peregrine');
const HEALTH_RECORD = txtRecord('serving');

export class ChaosAnswers {
  private readonly names: Uint8Array[] = [];
  private readonly records: Uint8Array[] = [];

  constructor(options: ChaosOptions) {
    const add = (name: string, text: string | null) => {
      if (text === null) return;
      this.names.push(wireName(name));
      this.records.push(txtRecord(text));
    };
    add('id.server', options.idServer);
    add('hostname.bind', options.hostnameBind);
    add('version.bind', options.versionBind);
    add('version.server', options.versionBind);
  }

  /**
   * The answer record for a lowercased CH TXT question, or null (REFUSED, as Knot does for
   * other names and for these names with any other type, ANY included).
   */
  /** Is this lowercased CH question the health probe's? */
  isHealth(name: Uint8Array, length: number): boolean {
    if (length !== HEALTH_NAME.length) return false;
    for (let i = 0; i < length; i++) if (name[i] !== HEALTH_NAME[i]) return false;
    return true;
  }

  get healthRecord(): Uint8Array {
    return HEALTH_RECORD;
  }

  find(name: Uint8Array, length: number, qtype: number): Uint8Array | null {
    for (let n = 0; n < this.names.length; n++) {
      const candidate = this.names[n];
      if (candidate.length !== length) continue;
      let i = 0;
      while (i < length && candidate[i] === name[i]) i++;
      if (i === length) return qtype === QTYPE_TXT ? this.records[n] : null;
    }
    return null;
  }
}
