import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { naturalTitle } from './movie-title.ts';
import { ml100kDir } from './testing/fixtures.ts';

describe('natural movie titles', () => {
  it.each([
    ['Godfather, The (1972)', 'The Godfather'],
    ['Clockwork Orange, A (1971)', 'A Clockwork Orange'],
    ['American Werewolf in London, An (1981)', 'An American Werewolf in London'],
    ['Godfather: Part II, The (1974)', 'The Godfather: Part II'],
    ['Good, The Bad and The Ugly, The (1966)', 'The Good, The Bad and The Ugly'],
    ['Star Wars (1977)', 'Star Wars'],
    ['Postino, Il (1994)', 'Il Postino'],
    ['Boot, Das (1981)', 'Das Boot'],
    ['Misérables, Les (1995)', 'Les Misérables'],
    ['Bonheur, Le (1965)', 'Le Bonheur'],
    ['Cité des enfants perdus, La (1995)', 'La Cité des enfants perdus'],
    ["Enfer, L' (1994)", "L'Enfer"],
    ['Bewegte Mann, Der (1994)', 'Der Bewegte Mann'],
  ])('puts the article of %j first and drops the year', (data, natural) => {
    expect(naturalTitle(data)).toBe(natural);
  });

  it('turns each parenthesised alternate title around too', () => {
    expect(naturalTitle('Horseman on the Roof, The (Hussard sur le toit, Le) (1995)')).toBe(
      'The Horseman on the Roof (Le Hussard sur le toit)',
    );
    expect(naturalTitle("Star Maker, The (Uomo delle stelle, L') (1995)")).toBe("The Star Maker (L'Uomo delle stelle)");
    expect(naturalTitle('Seventh Seal, The (Sjunde inseglet, Det) (1957)')).toBe(
      'The Seventh Seal (Det Sjunde inseglet)',
    );
    expect(naturalTitle('Die xue shuang xiong (Killer, The) (1989)')).toBe('Die xue shuang xiong (The Killer)');
    expect(naturalTitle('Double vie de Véronique, La (Double Life of Veronique, The) (1991)')).toBe(
      'La Double vie de Véronique (The Double Life of Veronique)',
    );
    expect(naturalTitle('City of Lost Children, The (Cité des enfants perdus, La) (1995)')).toBe(
      'The City of Lost Children (La Cité des enfants perdus)',
    );
    expect(naturalTitle('Shawshank Redemption, The (a.k.a. Rita Hayworth, The) (1994)')).toBe(
      'The Shawshank Redemption (a.k.a. The Rita Hayworth)',
    );
    expect(naturalTitle('Seven (Se7en) (1995)')).toBe('Seven (Se7en)');
  });

  it('leaves commas that are not a moved article alone', () => {
    for (const title of ['Paris, Texas', 'Kiss Me, Guido', 'Bye Bye, Love', 'To Have, or Not', 'Maybe, Maybe Not']) {
      expect(naturalTitle(`${title} (1995)`)).toBe(title);
    }
    expect(naturalTitle('Truth or Consequences, N.M. (1997)')).toBe('Truth or Consequences, N.M.');
    expect(naturalTitle('Mrs. Brown (Her Majesty, Mrs. Brown) (1997)')).toBe('Mrs. Brown (Her Majesty, Mrs. Brown)');
    expect(naturalTitle('(500) Days of Summer (2009)')).toBe('(500) Days of Summer');
  });

  it('drops a trailing medium tag with the year, and keeps a title that has no year', () => {
    expect(naturalTitle('Land Before Time III: The Time of the Great Giving (1995) (V)')).toBe(
      'Land Before Time III: The Time of the Great Giving',
    );
    expect(naturalTitle('unknown')).toBe('unknown');
    expect(naturalTitle('Heidi Fleiss: Hollywood Madam (1995) ')).toBe('Heidi Fleiss: Hollywood Madam');
    expect(naturalTitle('Untitled, The')).toBe('The Untitled');
  });

  it('leaves no moved article and no year in any MovieLens 100K title', (context) => {
    const dir = ml100kDir();
    if (!dir) return context.skip();
    const titles = new TextDecoder('latin1')
      .decode(readFileSync(path.join(dir, 'u.item')))
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('|')[1]);
    expect(titles).toHaveLength(1682);
    const moved = /, (The|A|An|Le|La|Les|L'|Il|Das|Der|Die|Det|O)( \(|\)|$)/;
    const wrong = titles.map((t) => [t, naturalTitle(t)]).filter(([, n]) => moved.test(n) || /\(\d{4}\)/.test(n));
    expect(wrong).toEqual([]);
    const articled = titles.filter((t) => /^[^(]*, The \(\d{4}\)$/.test(t));
    expect(articled.length).toBeGreaterThan(250);
    for (const t of articled) expect(naturalTitle(t)).toMatch(/^The /);
  });
});
