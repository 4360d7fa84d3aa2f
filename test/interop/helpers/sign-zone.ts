// Sign a zone at test time into a temp dir: fresh ECDSAP256SHA256 keys (KSK + ZSK), then
// `dnssec-signzone` (package bind9-utils) or `ldns-signzone` (package ldnsutils). Signatures
// are valid from now (the signers' default inception/expiry: about 30 days / 4 weeks).
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { absolute } from './process.ts';

export type Signer = 'dnssec-signzone' | 'ldns-signzone';

export interface SigningVariant {
  /** Short name for labels and file names, e.g. "nsec", "nsec3-optout". */
  name: string;
  signer: Signer;
  /** NSEC3 parameters; absent = NSEC. */
  nsec3?: {
    /** Hex salt, or "-" for none. */
    salt: string;
    iterations: number;
    optOut?: boolean;
  };
}

/** The variants the DNSSEC interop suite signs: two signers, NSEC, NSEC3, NSEC3 opt-out. */
export const SIGNING_VARIANTS: SigningVariant[] = [
  { name: 'nsec', signer: 'dnssec-signzone' },
  { name: 'nsec3', signer: 'dnssec-signzone', nsec3: { salt: 'aabbccdd', iterations: 5 } },
  { name: 'nsec3-optout', signer: 'dnssec-signzone', nsec3: { salt: '-', iterations: 0, optOut: true } },
  { name: 'ldns-nsec3', signer: 'ldns-signzone', nsec3: { salt: '0123abcd', iterations: 3 } },
];

export interface SignedZone {
  origin: string;
  variant: SigningVariant;
  /** Temp dir holding keys, the copied source and the signed zone. */
  dir: string;
  /** The signed zone file. */
  file: string;
  /** Key base names (K<origin>+013+<tag>), KSK first. */
  keys: string[];
  /** Command lines run, for failure messages. */
  commands: string[];
  /** Remove the temp dir. */
  remove(): Promise<void>;
}

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

async function keyBase(cwd: string, before: Set<string>): Promise<string> {
  const added = (await readdir(cwd)).filter((f) => f.endsWith('.private') && !before.has(f));
  if (added.length !== 1) throw new Error(`expected one new key in ${cwd}, found ${added.join(', ') || 'none'}`);
  return added[0].replace(/\.private$/, '');
}

/**
 * Sign `source` (zone `origin`) with fresh keys as `variant` says. The signed zone is
 * `<dir>/<variant>.signed.zone`.
 */
export async function signZone(origin: string, source: string, variant: SigningVariant): Promise<SignedZone> {
  const zone = absolute(origin);
  const bare = zone === '.' ? '.' : zone.slice(0, -1);
  const dir = await mkdtemp(path.join(tmpdir(), `peregrine-sign-${variant.name}-`));
  const commands: string[] = [];
  const exec = async (cmd: string, args: string[]) => {
    commands.push(`${cmd} ${args.join(' ')}`);
    return run(cmd, args, dir);
  };
  try {
    const input = path.join(dir, 'unsigned.zone');
    await copyFile(source, input);
    const file = path.join(dir, `${variant.name}.signed.zone`);
    const keys: string[] = [];
    if (variant.signer === 'dnssec-signzone') {
      for (const ksk of [true, false]) {
        const before = new Set(await readdir(dir));
        await exec('dnssec-keygen', ['-q', '-K', dir, '-a', 'ECDSAP256SHA256', ...(ksk ? ['-f', 'KSK'] : []), '-n', 'ZONE', bare]);
        keys.push(await keyBase(dir, before));
      }
      const args = ['-S', '-K', dir, '-d', dir, '-o', zone, '-f', file, '-O', 'full'];
      const n3 = variant.nsec3;
      if (n3) {
        args.push('-3', n3.salt, '-H', String(n3.iterations));
        if (n3.optOut) args.push('-A');
      }
      args.push(input);
      await exec('dnssec-signzone', args);
    } else {
      for (const ksk of [true, false]) {
        const before = new Set(await readdir(dir));
        await exec('ldns-keygen', ['-a', 'ECDSAP256SHA256', ...(ksk ? ['-k'] : []), bare]);
        keys.push(await keyBase(dir, before));
      }
      const args = ['-o', zone, '-f', file];
      const n3 = variant.nsec3;
      if (n3) {
        args.push('-n', '-t', String(n3.iterations));
        if (n3.salt !== '-') args.push('-s', n3.salt);
        if (n3.optOut) args.push('-p');
      }
      args.push(input, ...keys);
      await exec('ldns-signzone', args);
    }
    return { origin: zone, variant, dir, file, keys, commands, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
