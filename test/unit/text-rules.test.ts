import 'reflect-metadata';
import { getMetadataArgsStorage } from 'typeorm';
import * as entities from '../../entities';
import { MAX_LENGTH } from '../../entities/lengths';
import { ID_RULE, textProblem } from '../../src/services/text';

describe('R34: the string rules', () => {
  const NAME = { max: 5, min: 1 };
  const REASON = { max: 20, multiline: true };

  it.each([
    ['NUL', '\u0000'],
    ['TAB', '\t'],
    ['LF', '\n'],
    ['CR', '\r'],
    ['ESC', '\u001B'],
    ['DEL', '\u007F'],
    ['C1 NEL', '\u0085'],
    ['C1 CSI', '\u009B'],
    ['LRE', '\u202A'],
    ['RLO', '\u202E'],
    ['LRI', '\u2066'],
    ['PDI', '\u2069'],
    ['ZWSP', '\u200B'],
    ['ZWJ', '\u200D'],
    ['WJ', '\u2060'],
    ['BOM', '\uFEFF'],
    ['LINE SEPARATOR', '\u2028'],
  ])('R34: a single-line field refuses %s', (_name, char) => {
    expect(textProblem('name', `a${char}b`, NAME)).toMatch(/must not contain/);
  });

  it('R34: free text (a reason) takes line breaks and tabs but no other control character', () => {
    expect(textProblem('reason', 'one\r\ntwo\tthree', REASON)).toBeNull();
    for (const char of ['\u0000', '\u001B', '\u0085', '\u202E', '\u200B', '\uFEFF'])
      expect(textProblem('reason', `a${char}`, REASON)).toMatch(/must not contain/);
  });

  it('R34: lengths count characters as the column does (an emoji is one), empty is refused where a minimum is set', () => {
    expect(textProblem('name', '😀😀😀😀😀', NAME)).toBeNull();
    expect(textProblem('name', 'abcdef', NAME)).toBe('name must be at most 5 characters');
    expect(textProblem('name', '', NAME)).toBe('name must not be empty');
    expect(textProblem('input.name', 'Ünïcødé'.slice(0, 5), NAME)).toBeNull();
  });

  it('R34: an id is 1 to 64 printable characters (every id the API issues fits)', () => {
    expect(textProblem('id', '0f8fad5b-d9cb-469f-a165-70867728950e', ID_RULE)).toBeNull();
    expect(textProblem('id', 'upcoming-0f8fad5b-d9cb-469f-a165-70867728950e', ID_RULE)).toBeNull();
    expect(textProblem('id', 'x'.repeat(65), ID_RULE)).toMatch(/at most 64/);
    expect(textProblem('id', '', ID_RULE)).toMatch(/empty/);
  });

  it('R34: every varchar column of every entity takes its length from entities/lengths.ts', () => {
    expect(Object.keys(entities).length).toBeGreaterThan(0);
    const declared = new Set<number>(Object.values(MAX_LENGTH));
    const varchars = getMetadataArgsStorage().columns.filter((c) => c.options.type === 'varchar');
    expect(varchars.length).toBeGreaterThan(20);
    for (const c of varchars)
      expect({
        column: `${(c.target as { name: string }).name}.${c.propertyName}`,
        declared: declared.has(Number(c.options.length)),
      }).toEqual({ column: expect.any(String), declared: true });
  });
});
