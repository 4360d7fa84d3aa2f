import { describe, it, expect } from 'vitest';
import { hex, n, pk, rd, rdErr, records } from './helpers.ts';

const name = (s: string): number[] => [...n(s)];
const u16 = (v: number): number[] => [v >> 8, v & 255];
const u32 = (v: number): number[] => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const bytes = (...parts: (number | number[] | Uint8Array)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...p])));
const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];

describe('addresses', () => {
  it('A matches dns-packet', () => {
    for (const a of ['192.0.2.1', '0.0.0.0', '255.255.255.255', '10.0.0.01']) expect(rd('A', a)).toEqual(pk('a', a.replace('01', '1')));
  });

  it('AAAA matches dns-packet, including :: and embedded IPv4', () => {
    for (const a of ['2001:db8::1', '::', '::1', '1::', 'fe80::1:2:3:4', '2001:DB8:0:0:8:800:200C:417A', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8']) {
      expect(rd('AAAA', a)).toEqual(pk('aaaa', a));
    }
  });

  it('rejects malformed addresses with the field named', () => {
    expect(rdErr('A', '256.1.1.1')).toEqual(["test.zone:1: A: bad IPv4 address '256.1.1.1'"]);
    expect(rdErr('A', '1.2.3')).toEqual(["test.zone:1: A: bad IPv4 address '1.2.3'"]);
    expect(rdErr('A', '1.2.3.4.5')).toEqual(["test.zone:1: A: bad IPv4 address '1.2.3.4.5'"]);
    expect(rdErr('A', '')).toEqual(['test.zone:1: A: missing IPv4 address']);
    expect(rdErr('A', '1.2.3.4 5.6.7.8')).toEqual(["test.zone:1: A: unexpected trailing data '5.6.7.8'"]);
    for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', ':1::', '1:2:3:4:5:6:7', 'g::', '1:']) {
      expect(rdErr('AAAA', bad)).toEqual([`test.zone:1: AAAA: bad IPv6 address '${bad}'`]);
    }
  });

  it('EUI48, EUI64, NID, L32, L64, LP (RFC 7043, RFC 6742 examples)', () => {
    expect(rd('EUI48', '00-00-5e-00-53-2a')).toEqual(hex('00005e00532a'));
    expect(rd('EUI64', '00-00-5e-ef-10-00-00-2a')).toEqual(hex('00005eef1000002a'));
    expect(rd('NID', '10 0014:4fff:ff20:ee64')).toEqual(hex('000a 0014 4fff ff20 ee64'));
    expect(rd('L64', '10 2001:0DB8:1140:1000')).toEqual(hex('000a 2001 0db8 1140 1000'));
    expect(rd('L32', '10 10.1.2.0')).toEqual(hex('000a 0a010200'));
    expect(rd('LP', '10 l64-subnet1.example.com.')).toEqual(bytes(u16(10), name('l64-subnet1.example.com.')));
    expect(rdErr('EUI48', '00-00-5e-00-53')).toEqual(["test.zone:1: EUI48: bad EUI48 address '00-00-5e-00-53'"]);
  });
});

describe('name types', () => {
  it('NS, CNAME, DNAME, PTR match dns-packet and keep case', () => {
    expect(rd('NS', 'ns1.example.net.')).toEqual(pk('ns', 'ns1.example.net'));
    expect(rd('CNAME', 'Www.Example.NET.')).toEqual(pk('cname', 'Www.Example.NET'));
    expect(rd('DNAME', 'other.example.')).toEqual(pk('dname', 'other.example'));
    expect(rd('PTR', 'host')).toEqual(pk('ptr', 'host.example.com'));
    expect(rd('NS', '@')).toEqual(n('example.com.'));
    expect(rd('NS', '.')).toEqual(n('.'));
  });

  it('RP and MINFO take two names', () => {
    expect(rd('RP', 'admin.example.com. txt')).toEqual(pk('rp', { mbox: 'admin.example.com', txt: 'txt.example.com' }));
    expect(rd('MINFO', 'rm em.example.net.')).toEqual(bytes(name('rm.example.com.'), name('em.example.net.')));
  });

  it('SOA matches dns-packet and accepts TTL units in the timers', () => {
    expect(rd('SOA', 'ns1 hostmaster ( 2024010101 3h 15M 1W 1d )')).toEqual(
      pk('soa', { mname: 'ns1.example.com', rname: 'hostmaster.example.com', serial: 2024010101, refresh: 10800, retry: 900, expire: 604800, minimum: 86400 }),
    );
    expect(rd('SOA', 'a. b. 4294967295 1 2 3 4').subarray(6, 10)).toEqual(hex('ffffffff'));
  });

  it('SOA field errors name the field', () => {
    expect(rdErr('SOA', 'a. b. 1 2 3 4')).toEqual(['test.zone:1: SOA: missing SOA minimum']);
    expect(rdErr('SOA', 'a. b. 4294967296 1 2 3 4')).toEqual(["test.zone:1: SOA: bad SOA serial '4294967296': larger than 4294967295"]);
    expect(rdErr('SOA', 'a. b. 1 2x 3 4 5')).toEqual(["test.zone:1: SOA: bad SOA refresh '2x'"]);
    expect(rdErr('SOA', 'a..b. b. 1 2 3 4 5')).toEqual(["test.zone:1: SOA: bad SOA primary server name 'a..b.': empty label in name 'a..b.'"]);
  });

  it('MX, SRV, AFSDB, KX, RT, PX', () => {
    expect(rd('MX', '10 mail')).toEqual(pk('mx', { preference: 10, exchange: 'mail.example.com' }));
    expect(rd('MX', '0 .')).toEqual(hex('0000 00'));
    expect(rd('SRV', '10 60 5060 sip.example.net.')).toEqual(pk('srv', { priority: 10, weight: 60, port: 5060, target: 'sip.example.net' }));
    expect(rd('AFSDB', '1 afsdb.example.net.')).toEqual(bytes(u16(1), name('afsdb.example.net.')));
    expect(rd('KX', '10 kx.example.net.')).toEqual(bytes(u16(10), name('kx.example.net.')));
    expect(rd('RT', '10 relay')).toEqual(bytes(u16(10), name('relay.example.com.')));
    expect(rd('PX', '10 net2.it. PRMD-net2.ADMD-p400.C-it.')).toEqual(bytes(u16(10), name('net2.it.'), name('PRMD-net2.ADMD-p400.C-it.')));
    expect(rdErr('MX', '65536 mail')).toEqual(["test.zone:1: MX: bad preference '65536': larger than 65535"]);
    expect(rdErr('MX', 'mail')).toEqual(["test.zone:1: MX: bad preference 'mail': expected a number"]);
    expect(rdErr('SRV', '1 2 3')).toEqual(['test.zone:1: SRV: missing SRV target']);
  });
});

describe('character strings', () => {
  it('TXT matches dns-packet for several strings, quoted and not', () => {
    expect(rd('TXT', '"v=spf1 -all" plain ""')).toEqual(pk('txt', ['v=spf1 -all', 'plain', '']));
    expect(rd('SPF', '"v=spf1 a -all"')).toEqual(pk('txt', ['v=spf1 a -all']));
  });

  it('TXT escapes: \\", \\\\, \\DDD, and ; ( ) inside quotes', () => {
    expect(rd('TXT', '"a \\"b\\" \\\\ \\065\\000 ; ( )"')).toEqual(bytes(16, ascii('a "b" \\ A'), 0, ascii(' ; ( )')));
    expect(rd('TXT', 'a\\;b\\ c')).toEqual(bytes(5, ascii('a;b c')));
  });

  it('TXT strings of 255 bytes are fine and longer ones are an error', () => {
    expect(rd('TXT', `"${'x'.repeat(255)}"`).length).toBe(256);
    expect(rdErr('TXT', `"${'x'.repeat(256)}"`)).toEqual(['test.zone:1: TXT: TXT string 1 longer than 255 bytes (256)']);
    expect(rdErr('TXT', `ok "${'\\120'.repeat(300)}"`)).toEqual(['test.zone:1: TXT: TXT string 2 longer than 255 bytes (300)']);
    expect(rdErr('TXT', '')).toEqual(['test.zone:1: TXT: missing TXT string']);
    expect(rdErr('TXT', '"bad \\999"')).toEqual(['test.zone:1: TXT: bad TXT string 1: \\DDD escape larger than 255']);
  });

  it('TXT: latin1 text is taken byte for byte; Unicode text becomes UTF-8', () => {
    // A string of chars 0-255 is what readFileSync(file, 'latin1') yields: one char per byte.
    expect(rd('TXT', '"h\u00c3\u00a9"')).toEqual(bytes(3, 0x68, 0xc3, 0xa9));
    // Chars above 255 mean Unicode text: the whole text is UTF-8 encoded.
    expect(rd('TXT', '"é€"')).toEqual(bytes(5, [...Buffer.from('é€', 'utf8')]));
  });

  it('HINFO matches dns-packet', () => {
    expect(rd('HINFO', '"Intel x86" Linux')).toEqual(pk('hinfo', { cpu: 'Intel x86', os: 'Linux' }));
    expect(rdErr('HINFO', 'onlycpu')).toEqual(['test.zone:1: HINFO: missing HINFO OS']);
  });

  it('NAPTR matches dns-packet', () => {
    expect(rd('NAPTR', '100 10 "S" "SIP+D2U" "!^.*$!sip:cs@example.com!" _sip._udp')).toEqual(
      pk('naptr', { order: 100, preference: 10, flags: 'S', services: 'SIP+D2U', regexp: '!^.*$!sip:cs@example.com!', replacement: '_sip._udp.example.com' }),
    );
    expect(rd('NAPTR', '1 1 "" "" "" .')).toEqual(hex('0001 0001 00 00 00 00'));
  });

  it('CAA matches dns-packet', () => {
    expect(rd('CAA', '0 issue "letsencrypt.org"')).toEqual(pk('caa', { flags: 0, tag: 'issue', value: 'letsencrypt.org' }));
    expect(rd('CAA', '128 tbs "Unknown; value"')).toEqual(pk('caa', { flags: 128, tag: 'tbs', value: 'Unknown; value' }));
    expect(rd('CAA', '0 issue ";"')).toEqual(pk('caa', { flags: 0, tag: 'issue', value: ';' }));
    expect(rdErr('CAA', '0 is-sue "x"')).toEqual(["test.zone:1: CAA: bad CAA tag 'is-sue': must be letters and digits"]);
    expect(rdErr('CAA', '256 issue "x"')).toEqual(["test.zone:1: CAA: bad CAA flags '256': larger than 255"]);
  });

  it('URI (RFC 7553)', () => {
    expect(rd('URI', '10 1 "ftp://ftp1.example.com/public"')).toEqual(bytes(u16(10), u16(1), ascii('ftp://ftp1.example.com/public')));
  });
});

describe('DNSSEC types', () => {
  const key = 'AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjFFVQUTf6v58fLjwBd0YI0EzrAcQqBGCzh/RStIoO8g0NfnfL2MTJRkxoXbfDaUeVPQuYEhg37NZWAJQ9VnMVDxP/VHL496M/QZxkjf5/Efucp2gaDX6RS6CXpoY68LsvPVjR0ZSwzz1apAzvN9dlzEheX7ICJBBtuA6G3LQpzW5hOA2hzCTMjJPJ8LbqF6dsV6DoBQzgul0sGIcGOYl7OyQdXfZ57relSQageu+ipAdTTJ25AsRTAoub8ONGcLmqrAmRLKBP1dfwhYB4N7knNnulqQxA+Uk1ihz0=';

  it('DNSKEY matches dns-packet, with the key split over tokens and lines', () => {
    const want = pk('dnskey', { flags: 257, algorithm: 8, key: Buffer.from(key, 'base64') });
    expect(rd('DNSKEY', `257 3 8 ${key}`)).toEqual(want);
    expect(rd('DNSKEY', `257 3 RSASHA256 ( ${key.slice(0, 50)}\n ${key.slice(50, 100)} ${key.slice(100)} )`)).toEqual(want);
    expect(rd('CDNSKEY', '0 3 0 AA==')).toEqual(hex('0000 03 00 00'));
    expect(rdErr('DNSKEY', '257 3 8 AwEA!')).toEqual(['test.zone:1: DNSKEY: bad DNSKEY public key: invalid base64']);
    expect(rdErr('DNSKEY', '257 3 8')).toEqual(['test.zone:1: DNSKEY: missing DNSKEY public key']);
    expect(rdErr('DNSKEY', '257 3 NOPE AA==')).toEqual(["test.zone:1: DNSKEY: bad DNSKEY algorithm 'NOPE'"]);
  });

  it('DS matches dns-packet, digest split by spaces, length checked per digest type', () => {
    const d = '2BB183AF5F22588179A53B0A98631FAD1A292118';
    expect(rd('DS', `60485 5 1 ${d}`)).toEqual(pk('ds', { keyTag: 60485, algorithm: 5, digestType: 1, digest: Buffer.from(d, 'hex') }));
    expect(rd('DS', `60485 5 1 ( ${d.slice(0, 17)} ${d.slice(17)} )`)).toEqual(rd('DS', `60485 5 1 ${d}`));
    expect(rd('CDS', '0 0 0 00')).toEqual(hex('0000 00 00 00'));
    expect(rdErr('DS', `60485 5 2 ${d}`)).toEqual(['test.zone:1: DS: bad DS digest: 20 bytes, digest type 2 needs 32']);
    expect(rdErr('DS', '60485 5 1 ABC')).toEqual(['test.zone:1: DS: bad DS digest: not an even number of hex digits']);
  });

  it('RRSIG matches dns-packet; times as YYYYMMDDHHmmSS or seconds', () => {
    const sig = 'dGVzdHNpZ25hdHVyZQ==';
    const want = pk('rrsig', {
      typeCovered: 'A', algorithm: 8, labels: 3, originalTTL: 3600, expiration: 1706745600, inception: 1704067200,
      keyTag: 12345, signersName: 'example.com', signature: Buffer.from(sig, 'base64'),
    });
    expect(rd('RRSIG', `A 8 3 3600 20240201000000 20240101000000 12345 example.com. ${sig}`)).toEqual(want);
    expect(rd('RRSIG', `A RSASHA256 3 1h 1706745600 1704067200 12345 @ ( dGVzdHNp\n Z25hdHVyZQ== )`)).toEqual(want);
    expect(rd('RRSIG', `TYPE65280 8 3 3600 1 0 1 . ${sig}`).subarray(0, 2)).toEqual(hex('ff00'));
    // After 2106 the 32-bit field wraps (serial arithmetic, RFC 4034 section 3.1.5).
    expect(rd('RRSIG', `A 8 3 3600 21060207062816 0 1 . ${sig}`).subarray(8, 12)).toEqual(hex('00000000'));
  });

  it('RRSIG field errors', () => {
    const sig = 'dGVzdA==';
    expect(rdErr('RRSIG', `A 8 3 3600 20241301000000 20240101000000 1 . ${sig}`)).toEqual(["test.zone:1: RRSIG: bad RRSIG expiration '20241301000000': not a valid date"]);
    expect(rdErr('RRSIG', `A 8 3 3600 20240230000000 20240101000000 1 . ${sig}`)).toEqual(["test.zone:1: RRSIG: bad RRSIG expiration '20240230000000': not a valid date"]);
    expect(rdErr('RRSIG', `A 8 3 3600 9999999999 20240101000000 1 . ${sig}`)).toEqual(["test.zone:1: RRSIG: bad RRSIG expiration '9999999999': larger than 4294967295"]);
    expect(rdErr('RRSIG', `A 8 3 3600 20240201000 20240101000000 1 . ${sig}`)).toEqual(["test.zone:1: RRSIG: bad RRSIG expiration '20240201000': expected YYYYMMDDHHmmSS or seconds"]);
    expect(rdErr('RRSIG', `A 8 3 3600 1 2024010100000x 1 . ${sig}`)).toEqual(["test.zone:1: RRSIG: bad RRSIG inception '2024010100000x': expected YYYYMMDDHHmmSS or seconds"]);
    expect(rdErr('RRSIG', `FOO 8 3 3600 1 2 1 . ${sig}`)).toEqual(["test.zone:1: RRSIG: bad RRSIG type covered: unknown type 'FOO'"]);
    expect(rdErr('RRSIG', 'A 8 3 3600 1 2 1 .')).toEqual(['test.zone:1: RRSIG: missing RRSIG signature']);
  });

  it('NSEC matches dns-packet, including types in window 0 and a high window', () => {
    expect(rd('NSEC', 'host.example.com. A MX RRSIG NSEC TYPE1234')).toEqual(
      pk('nsec', { nextDomain: 'host.example.com', rrtypes: ['A', 'MX', 'RRSIG', 'NSEC', 'TYPE1234'].map((t) => (t === 'TYPE1234' ? 'UNKNOWN_1234' : t)) }),
    );
    // RFC 4034 section 4.3 example.
    expect(rd('NSEC', 'host.example.com. ( A MX RRSIG NSEC TYPE1234 )')).toEqual(
      bytes(name('host.example.com.'), hex('0006400100000003 04 1b 000000000000000000000000000000000000000000000000000020')),
    );
    // Types in any order and duplicates collapse.
    expect(rd('NSEC', 'a. NSEC A A')).toEqual(rd('NSEC', 'a. A NSEC'));
    expect(rd('NSEC', 'a.')).toEqual(n('a.'));
    expect(rdErr('NSEC', 'a. A BOGUS')).toEqual(["test.zone:1: NSEC: bad NSEC type list: unknown type 'BOGUS'"]);
  });

  it('NSEC3 matches dns-packet; base32hex next owner; salt "-" is empty', () => {
    // RFC 5155 appendix A.
    const rdata = rd('NSEC3', '1 1 12 aabbccdd ( 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG )');
    expect(rdata.subarray(0, 10)).toEqual(hex('01 01 000c 04 aabbccdd 14'));
    expect(rdata).toEqual(pk('nsec3', {
      algorithm: 1, flags: 1, iterations: 12, salt: Buffer.from('aabbccdd', 'hex'),
      nextDomain: Buffer.from(rdata.subarray(10, 30)), rrtypes: ['MX', 'DNSKEY', 'NS', 'SOA', 'NSEC3PARAM', 'RRSIG'],
    }));
    // RFC 4648 base32hex test vector: "foobar" = CPNMUOJ1E8 (padding omitted), case-insensitive.
    expect(rd('NSEC3', '1 0 0 - CPNMUOJ1E8')).toEqual(bytes(1, 0, 0, 0, 0, 6, ascii('foobar')));
    expect(rd('NSEC3', '1 0 0 - cpnmuoj1')).toEqual(bytes(1, 0, 0, 0, 0, 5, ascii('fooba')));
    expect(rdErr('NSEC3', '1 0 0 - CPNMUOJ1E')).toEqual(["test.zone:1: NSEC3: bad NSEC3 next hashed owner 'CPNMUOJ1E': invalid base32hex length"]);
    expect(rdErr('NSEC3', '1 0 0 - WXYZ')).toEqual(["test.zone:1: NSEC3: bad NSEC3 next hashed owner 'WXYZ': invalid base32hex"]);
    expect(rdErr('NSEC3', '1 0 0 xyz CPNMUOJ1')).toEqual(['test.zone:1: NSEC3: bad NSEC3 salt: not an even number of hex digits']);
  });

  it('NSEC3PARAM, CSYNC, ZONEMD', () => {
    expect(rd('NSEC3PARAM', '1 0 0 -')).toEqual(hex('01 00 0000 00'));
    expect(rd('NSEC3PARAM', '1 0 10 aabb')).toEqual(hex('01 00 000a 02 aabb'));
    expect(rdErr('NSEC3PARAM', '1 0 0')).toEqual(['test.zone:1: NSEC3PARAM: missing NSEC3PARAM salt']);
    // RFC 7477 section 2.2 example.
    expect(rd('CSYNC', '66 3 A NS AAAA')).toEqual(hex('00000042 0003 00 04 60000008'));
    const digest = '5E21E890ACDE0249A3C73F5500159960F01C1783534876FAEC24F3CBB7E0442D498E54B3E6DDCDECDD8D96E3FE1BF733';
    expect(rd('ZONEMD', `2026082201 1 1 ( ${digest.slice(0, 40)} ${digest.slice(40)} )`)).toEqual(bytes(u32(2026082201), 1, 1, hex(digest)));
    expect(rdErr('ZONEMD', '1 1 1 00112233445566778899aabb')).toEqual(['test.zone:1: ZONEMD: bad ZONEMD digest: 12 bytes, hash algorithm 1 needs 48']);
    expect(rdErr('ZONEMD', '1 1 9 0011')).toEqual(['test.zone:1: ZONEMD: bad ZONEMD digest: 2 bytes, at least 12 needed']);
  });

  it('DHCID, OPENPGPKEY, CERT', () => {
    expect(rd('DHCID', 'AAIBY2/AuCccgoJbsaxcQc9TUapptP69 lOjxfNuVAA2kjEA=')).toEqual(new Uint8Array(Buffer.from('AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=', 'base64')));
    expect(rd('OPENPGPKEY', 'AQID')).toEqual(hex('010203'));
    expect(rd('CERT', 'PGP 0 0 AAECAw==')).toEqual(hex('0003 0000 00 00010203'));
    expect(rd('CERT', '1 2 RSASHA256 AAECAw==')).toEqual(hex('0001 0002 08 00010203'));
  });
});

describe('SSHFP and TLSA', () => {
  it('SSHFP matches dns-packet; hex may be split; fingerprint length checked', () => {
    const fp = '123456789abcdef67890123456789abcdef67890';
    expect(rd('SSHFP', `1 1 ${fp}`)).toEqual(pk('sshfp', { algorithm: 1, hash: 1, fingerprint: fp }));
    expect(rd('SSHFP', `1 1 ${fp.slice(0, 10)} ${fp.slice(10)}`)).toEqual(rd('SSHFP', `1 1 ${fp}`));
    expect(rdErr('SSHFP', `1 2 ${fp}`)).toEqual(['test.zone:1: SSHFP: bad SSHFP fingerprint: 20 bytes, type 2 needs 32']);
  });

  it('TLSA and SMIMEA match dns-packet', () => {
    const c = '0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6';
    const want = pk('tlsa', { usage: 3, selector: 1, matchingType: 1, certificate: Buffer.from(c, 'hex') });
    expect(rd('TLSA', `3 1 1 ${c}`)).toEqual(want);
    expect(rd('SMIMEA', `3 1 1 ( ${c.slice(0, 32)}\n ${c.slice(32)} )`)).toEqual(want);
    expect(rd('TLSA', '3 0 0 0102')).toEqual(hex('030000 0102'));
    expect(rdErr('TLSA', '3 1 1 0102')).toEqual(['test.zone:1: TLSA: bad certificate association data: 2 bytes, matching type 1 needs 32']);
    expect(rdErr('TLSA', '3 1 1')).toEqual(['test.zone:1: TLSA: missing certificate association data']);
  });
});

describe('SVCB / HTTPS (RFC 9460 appendix D test vectors)', () => {
  const foo = name('foo.example.com.');
  const fooOrg = name('foo.example.org.');

  it('AliasMode and ServiceMode without parameters', () => {
    expect(rd('HTTPS', '0 foo.example.com.')).toEqual(bytes(u16(0), foo));
    expect(rd('SVCB', '1 .')).toEqual(hex('0001 00'));
  });

  it('port, keyNNNNN, quoted values with escapes', () => {
    expect(rd('SVCB', '16 foo.example.com. port=53')).toEqual(bytes(u16(16), foo, hex('0003 0002 0035')));
    expect(rd('SVCB', '1 foo.example.com. key667=hello')).toEqual(bytes(u16(1), foo, hex('029b 0005'), ascii('hello')));
    expect(rd('SVCB', '1 foo.example.com. key667="hello\\210qoo"')).toEqual(bytes(u16(1), foo, hex('029b 0009'), ascii('hello'), 0xd2, ascii('qoo')));
    expect(rd('SVCB', '1 foo.example.com. key667="a b"')).toEqual(bytes(u16(1), foo, hex('029b 0003'), ascii('a b')));
  });

  it('ipv6hint lists, including an embedded IPv4 form', () => {
    expect(rd('SVCB', '1 foo.example.com. ipv6hint="2001:db8::1,2001:db8::53:1"')).toEqual(
      bytes(u16(1), foo, hex('0006 0020 20010db8000000000000000000000001 20010db8000000000000000000530001')),
    );
    expect(rd('SVCB', '1 example.com. ipv6hint="2001:db8:122:344::192.0.2.33"')).toEqual(
      bytes(u16(1), name('example.com.'), hex('0006 0010 20010db8012203440000 0000c0000221')),
    );
  });

  it('sorts keys, including mandatory, alpn and ipv4hint', () => {
    expect(rd('SVCB', '16 foo.example.org. ( alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1 )')).toEqual(
      bytes(u16(16), fooOrg, hex('0000 0004 0001 0004 0001 0009 02 6832 05 68332d3139 0004 0004 c0000201')),
    );
  });

  it('alpn with escaped commas and backslashes, quoted or not', () => {
    const want = bytes(u16(16), fooOrg, hex('0001 000c 08 665c6f6f2c626172 02 6832'));
    expect(rd('SVCB', '16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"')).toEqual(want);
    expect(rd('SVCB', '16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2')).toEqual(want);
  });

  it('HTTPS with ech, no-default-alpn, ohttp, dohpath', () => {
    expect(rd('HTTPS', '1 . alpn=h2 no-default-alpn ech=AEX+DQBB')).toEqual(bytes(u16(1), 0, hex('0001 0003 026832 0002 0000 0005 0006 0045fe0d0041')));
    expect(rd('SVCB', '1 doh.example.net. alpn=h2 dohpath=/dns-query{?dns} ohttp')).toEqual(
      bytes(u16(1), name('doh.example.net.'), hex('0001 0003 026832 0007 0010'), ascii('/dns-query{?dns}'), hex('0008 0000')),
    );
  });

  it('rejects the RFC 9460 D.3 failure cases', () => {
    const err = (params: string): string[] => rdErr('SVCB', `1 foo.example.com. ${params}`);
    expect(err('key123=abc key123=def')).toEqual(['test.zone:1: SVCB: SVCB key123 given twice']);
    expect(err('mandatory')).toEqual(['test.zone:1: SVCB: SVCB mandatory needs a value']);
    expect(err('alpn')).toEqual(['test.zone:1: SVCB: SVCB alpn needs a value']);
    expect(err('port')).toEqual(['test.zone:1: SVCB: SVCB port needs a value']);
    expect(err('ipv4hint')).toEqual(['test.zone:1: SVCB: SVCB ipv4hint needs a value']);
    expect(err('ipv6hint')).toEqual(['test.zone:1: SVCB: SVCB ipv6hint needs a value']);
    expect(err('no-default-alpn=abc')).toEqual(['test.zone:1: SVCB: SVCB no-default-alpn takes no value']);
    expect(err('mandatory=key123')).toEqual(['test.zone:1: SVCB: SVCB mandatory key123 is missing']);
    expect(err('mandatory=mandatory')).toEqual(['test.zone:1: SVCB: SVCB mandatory must not list mandatory']);
    expect(err('mandatory=key123,key123 key123=abc')).toEqual(['test.zone:1: SVCB: SVCB mandatory lists key123 twice']);
    expect(err('no-default-alpn')).toEqual(['test.zone:1: SVCB: SVCB no-default-alpn requires alpn']);
    expect(err('key65535=x')).toEqual(["test.zone:1: SVCB: SVCB key 'key65535' is reserved"]);
    expect(err('foo=bar')).toEqual(["test.zone:1: SVCB: unknown SVCB key 'foo'"]);
    expect(err('port=65536')).toEqual(["test.zone:1: SVCB: bad SVCB port '65536': larger than 65535"]);
    expect(err('ipv4hint=1.2.3')).toEqual(["test.zone:1: SVCB: bad SVCB ipv4hint '1.2.3'"]);
  });
});

describe('LOC (RFC 1876)', () => {
  it('encodes coordinates, altitude and precisions', () => {
    const lat = 0x80000000 + (52 * 3600 + 22 * 60 + 23) * 1000;
    const lon = 0x80000000 + (4 * 3600 + 53 * 60 + 32) * 1000;
    expect(rd('LOC', '52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m')).toEqual(
      bytes(0, 0x00, 0x16, 0x13, u32(lat), u32(lon), u32(10000000 - 200)),
    );
    // Defaults: size 1m, horizontal 10000m, vertical 10m; minutes and seconds optional.
    const south = 0x80000000 - 42 * 3600000;
    const west = 0x80000000 - (71 * 3600 + 30 * 60) * 1000;
    expect(rd('LOC', '42 S 71 30 W 12m')).toEqual(bytes(0, 0x12, 0x16, 0x13, u32(south), u32(west), u32(10001200)));
    expect(rdErr('LOC', '91 N 0 E 0m')).toEqual(["test.zone:1: LOC: bad LOC latitude degrees '91': larger than 90"]);
    expect(rdErr('LOC', '52 X 0 E 0m')).toEqual(["test.zone:1: LOC: bad LOC latitude hemisphere 'X'"]);
  });
});

describe('RFC 3597 generic RDATA', () => {
  it('is accepted for unknown and known types alike', () => {
    expect(rd('TYPE65280', '\\# 4 0A000001')).toEqual(hex('0a000001'));
    expect(rd('A', '\\# 4 C0000201')).toEqual(rd('A', '192.0.2.1'));
    expect(rd('TYPE65280', '\\# 0')).toEqual(new Uint8Array(0));
    expect(rd('TYPE65280', '\\# 3 ( 0a 00 01 )')).toEqual(hex('0a0001'));
    const rrs = records('@ IN TYPE1 \\# 4 C0000201\n');
    expect(rrs[0].type).toBe(1);
  });

  it('checks the length and the hex', () => {
    expect(rdErr('TYPE65280', '\\# 3 0A000001')).toEqual(['test.zone:1: TYPE65280: RFC 3597 RDATA length 3 does not match 4 bytes of data']);
    expect(rdErr('TYPE65280', '\\# 1 0G')).toEqual(['test.zone:1: TYPE65280: bad RFC 3597 RDATA: not an even number of hex digits']);
    expect(rdErr('TYPE65280', '\\# x')).toEqual(["test.zone:1: TYPE65280: bad RFC 3597 RDATA length 'x': expected a number"]);
  });

  it('is required for types without a presentation format', () => {
    expect(rdErr('TYPE65280', '0A000001')).toEqual(['test.zone:1: TYPE65280: no presentation format known for TYPE65280; use the RFC 3597 form \\# length hex']);
  });
});
