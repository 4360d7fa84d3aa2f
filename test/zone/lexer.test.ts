import { describe, it, expect } from 'vitest';
import { Lexer } from '../../src/zone/lexer.ts';

interface Entry { line: number; blank: boolean; tokens: string[]; quoted: boolean[]; error: string | null }

function lex(text: string): Entry[] {
  const lx = new Lexer(text);
  const out: Entry[] = [];
  while (lx.next()) {
    out.push({
      line: lx.line, blank: lx.blankStart, tokens: lx.tokens.slice(0, lx.count), quoted: lx.quoted.slice(0, lx.count), error: lx.error,
    });
  }
  return out;
}

describe('Lexer', () => {
  it('splits entries by line, skipping blank and comment-only lines', () => {
    const e = lex('a A 1\n\n   ; only a comment\n\tb\tTXT "x y" ; c\n');
    expect(e.map((x) => [x.line, x.blank, x.tokens])).toEqual([
      [1, false, ['a', 'A', '1']],
      [4, true, ['b', 'TXT', 'x y']],
    ]);
    expect(e[1].quoted).toEqual([false, false, true]);
  });

  it('joins lines inside parentheses and counts lines correctly after them', () => {
    const e = lex('@ SOA a b (\n 1 ; one\n 2 )\nnext A 1\n');
    expect(e.map((x) => [x.line, x.tokens.length])).toEqual([[1, 6], [4, 3]]);
  });

  it('keeps escapes in tokens; escaped delimiters do not split', () => {
    expect(lex('a\\ b\\;c\\(d \\"e\n')[0].tokens).toEqual(['a\\ b\\;c\\(d', '\\"e']);
    expect(lex('x "a\\"b;c"\n')[0].tokens).toEqual(['x', 'a\\"b;c']);
  });

  it('keeps a quoted section inside an unquoted token (SVCB key="a b")', () => {
    expect(lex('alpn="h2 h3" port=1\n')[0].tokens).toEqual(['alpn="h2 h3"', 'port=1']);
  });

  it('reports unbalanced parentheses and unterminated quotes', () => {
    expect(lex('a )\n')[0].error).toBe("unbalanced ')'");
    expect(lex('a "x\nb A 1\n').map((x) => [x.line, x.error])).toEqual([[1, 'unterminated quoted string'], [2, null]]);
    expect(lex('\na ( b\nc\n')[0]).toMatchObject({ line: 2, error: "unbalanced '(' opened on line 2" });
  });

  it('treats \\r as blank space', () => {
    expect(lex('a A 1\r\n b\r\n').map((x) => [x.line, x.blank, x.tokens])).toEqual([[1, false, ['a', 'A', '1']], [2, true, ['b']]]);
  });
});
