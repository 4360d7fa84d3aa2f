// Reading a zone file (or an $INCLUDEd one) from disk, as untrusted input: only a regular file,
// and only up to a size a string can hold. `$INCLUDE /dev/zero`, a FIFO or a directory would
// otherwise read forever, block, or fail obscurely.

import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';

/** V8 strings hold at most 2^29 - 24 characters; one per byte here (latin1). */
export const MAX_ZONE_FILE_BYTES = 512 * 1024 * 1024 - 64;

/** The file's bytes as a latin1 string (one char per byte). Throws an Error with a clear message. */
export function readZoneText(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${file} is not a regular file`);
    if (st.size > MAX_ZONE_FILE_BYTES) throw new Error(`${file} is ${st.size} bytes, more than the ${MAX_ZONE_FILE_BYTES} a zone file may have`);
    return readFileSync(fd, 'latin1');
  } finally {
    closeSync(fd);
  }
}
