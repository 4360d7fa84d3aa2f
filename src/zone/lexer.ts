// Master-file tokenizer (RFC 1035 §5.1). Splits the text into entries: one entry is one
// logical line, i.e. a physical line plus everything up to the matching ')' when parentheses
// span lines. Comments (';' outside quotes) are dropped; blank entries are skipped.
//
// Tokens keep their escapes (`\.`, `\DDD`, ...) unprocessed: names and character-strings
// interpret them differently. A token starting with '"' is a quoted string; its text is the
// content between the quotes and `quoted[i]` is true. Inside an unquoted token a '"' opens a
// quoted section that runs to the closing quote (for SVCB `key="a b"`); the token's text then
// includes those quotes.
//
// The text is expected to be "binary" (one char per byte, as read with 'latin1'), so that
// non-ASCII bytes in names and strings go through unchanged.

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const SEMI = 0x3b;
const LPAREN = 0x28;
const RPAREN = 0x29;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

// Characters that end an unquoted token.
const DELIM = new Uint8Array(256);
DELIM[SPACE] = 1;
DELIM[TAB] = 1;
DELIM[CR] = 1;
DELIM[LF] = 1;
DELIM[SEMI] = 1;
DELIM[LPAREN] = 1;
DELIM[RPAREN] = 1;

export class Lexer {
  private readonly text: string;
  private pos = 0;
  /** Current physical line (1-based) at `pos`. */
  private curLine = 1;

  /** Tokens of the current entry: tokens[0..count). */
  readonly tokens: string[] = [];
  /** quoted[i]: tokens[i] was a "quoted string" (text excludes the quotes). */
  readonly quoted: boolean[] = [];
  count = 0;
  /** 1-based line where the current entry starts. */
  line = 0;
  /** The entry's line starts with blank space: the owner is omitted. */
  blankStart = false;
  /** A lexical problem in the current entry (unbalanced parentheses or quotes), or null. */
  error: string | null = null;

  constructor(text: string) {
    this.text = text;
  }

  private push(tok: string, quoted: boolean): void {
    this.tokens[this.count] = tok;
    this.quoted[this.count] = quoted;
    this.count++;
  }

  /** Advance to the next non-empty entry. Returns false at end of input. */
  next(): boolean {
    const text = this.text;
    const len = text.length;
    let pos = this.pos;
    let line = this.curLine;
    for (;;) {
      if (pos >= len) {
        this.pos = pos;
        this.curLine = line;
        return false;
      }
      // Start of an entry: pos is at the beginning of a physical line.
      this.count = 0;
      this.error = null;
      this.line = line;
      const first = text.charCodeAt(pos);
      this.blankStart = first === SPACE || first === TAB;
      let depth = 0;
      let parenLine = 0;
      let done = false;
      while (!done) {
        if (pos >= len) {
          if (depth > 0) this.error ??= `unbalanced '(' opened on line ${parenLine}`;
          break;
        }
        const c = text.charCodeAt(pos);
        switch (c) {
          case SPACE:
          case TAB:
          case CR:
            pos++;
            break;
          case LF:
            pos++;
            line++;
            if (depth === 0) done = true;
            break;
          case SEMI: {
            const nl = text.indexOf('\n', pos);
            pos = nl < 0 ? len : nl;
            break;
          }
          case LPAREN:
            if (depth === 0) parenLine = line;
            depth++;
            pos++;
            break;
          case RPAREN:
            if (depth === 0) this.error ??= "unbalanced ')'";
            else depth--;
            pos++;
            break;
          case QUOTE: {
            // Quoted string: runs to the next unescaped '"' on the same line.
            const start = pos + 1;
            let p = start;
            let closed = false;
            while (p < len) {
              const d = text.charCodeAt(p);
              if (d === QUOTE) {
                closed = true;
                break;
              }
              if (d === LF) break;
              if (d === BACKSLASH) {
                p++;
                if (p < len && text.charCodeAt(p) === LF) line++;
              }
              p++;
            }
            this.push(text.slice(start, p), true);
            if (!closed) {
              this.error ??= 'unterminated quoted string';
              pos = p; // leave the newline to end the entry
            } else {
              pos = p + 1;
            }
            break;
          }
          default: {
            const start = pos;
            let p = pos;
            while (p < len) {
              const d = text.charCodeAt(p);
              if (d < 256 && DELIM[d] === 1) break;
              if (d === BACKSLASH) {
                p++;
                if (p < len && text.charCodeAt(p) === LF) line++;
              } else if (d === QUOTE) {
                // Embedded quoted section, e.g. alpn="h2 h3".
                p++;
                while (p < len) {
                  const e = text.charCodeAt(p);
                  if (e === QUOTE || e === LF) break;
                  if (e === BACKSLASH) p++;
                  p++;
                }
                if (p >= len || text.charCodeAt(p) !== QUOTE) {
                  this.error ??= 'unterminated quoted string';
                  break;
                }
              }
              p++;
            }
            if (p > len) p = len;
            this.push(text.slice(start, p), false);
            pos = p;
          }
        }
      }
      if (this.count > 0 || this.error !== null) {
        this.pos = pos;
        this.curLine = line;
        return true;
      }
    }
  }
}
