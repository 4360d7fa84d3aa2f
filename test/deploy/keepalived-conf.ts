// A reader for keepalived.conf good enough for the shipped file's tests: comments, blocks,
// "$NAME=value" parameters and ${NAME} substitution, and "@id" / "@^id" conditional lines, as
// keepalived 2.x reads them (keepalived.conf(5), "ADVANCED CONFIGURATION").

export interface Item {
  /** The keyword and its arguments, substituted. */
  words: string[];
  /** The block's items, if the line opens a block. */
  block?: Item[];
  line: number;
}

/** Parse `text` as the keepalived started with config id `configId` reads it. */
export function parseKeepalived(text: string, configId: string, predefined: Record<string, string> = {}): Item[] {
  const params: Record<string, string> = { ...predefined, _INSTANCE: configId };
  const root: Item[] = [];
  const stack: Item[][] = [root];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // Conditional configuration.
    const cond = /^@(\^?)(\S+)\s+(.*)$/.exec(line);
    if (cond) {
      const matches = cond[2] === configId;
      if (cond[1] === '^' ? matches : !matches) continue;
      line = cond[3];
    }
    // Parameter definition (whole line), substituted at use.
    const def = /^\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (def) {
      params[def[1]] = def[2].trim();
      continue;
    }
    line = substitute(stripComment(line), params);
    const tokens = tokenize(line);
    if (tokens.length === 0) continue;
    if (tokens[0] === '}') {
      stack.pop();
      if (stack.length === 0) throw new Error(`line ${i + 1}: unbalanced }`);
      continue;
    }
    const opens = tokens[tokens.length - 1] === '{';
    const item: Item = { words: opens ? tokens.slice(0, -1) : tokens, line: i + 1 };
    stack[stack.length - 1].push(item);
    if (opens) {
      item.block = [];
      stack.push(item.block);
    }
  }
  if (stack.length !== 1) throw new Error('unclosed block');
  return root;
}

function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (!quoted && (line[i] === '#' || line[i] === '!')) return line.slice(0, i).trim();
  }
  return line;
}

function substitute(line: string, params: Record<string, string>): string {
  for (let round = 0; round < 10; round++) {
    const next = line
      .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => params[name] ?? m)
      .replace(/\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/g, (m, name: string) => params[name] ?? m);
    if (next === line) return line;
    line = next;
  }
  return line;
}

function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2]);
  return out;
}

/** Items with this keyword (first word) in a block. */
export function find(items: Item[], keyword: string): Item[] {
  return items.filter((i) => i.words[0] === keyword);
}

/** The one item with this keyword; throws if there is not exactly one. */
export function one(items: Item[], keyword: string): Item {
  const found = find(items, keyword);
  if (found.length !== 1) throw new Error(`expected one ${keyword}, found ${found.length}`);
  return found[0];
}

/** The value of the last `keyword value` line (keepalived: the last one wins), or undefined. */
export function value(items: Item[], keyword: string): string | undefined {
  const found = find(items, keyword);
  return found.length ? found[found.length - 1].words.slice(1).join(' ') : undefined;
}
