/**
 * Leading articles MovieLens moves to the end of a title ("Godfather, The", "Cité des enfants perdus, La"), in the
 * languages its titles use: English, French, Italian, Spanish, Portuguese, German, Dutch and the Scandinavian ones.
 * Only a whole last comma part that is one of these words moves: "Paris, Texas" and "Kiss Me, Guido" stay.
 */
const ARTICLES = new Set([
  ...['The', 'A', 'An'],
  ...['Le', 'La', 'Les', "L'", 'Un', 'Une'],
  ...['Il', 'Lo', 'I', 'Gli', 'Uno', 'Una'],
  ...['El', 'Los', 'Las'],
  ...['O', 'Os', 'As', 'Um', 'Uma'],
  ...['Der', 'Die', 'Das', 'Ein', 'Eine'],
  ...['De', 'Het', 'Een'],
  ...['Den', 'Det', 'En', 'Ett', 'Et'],
]);

/** The release year that closes a title, "(1995)" or "(2011–)", and a trailing "(V)" / "(TV)" medium tag. */
const YEAR_AT_END = /\s*\(\d{4}(?:[-–]\d{0,4})?\)(?:\s*\((?:V|TV)\))?\s*$/;
const ARTICLE_LAST = /^(.*\S),\s*([^\s,]+)$/;
const ALSO_KNOWN_AS = /^(a\.k\.a\.\s+)(.*)$/i;
/** The main title, then the parenthesised alternate titles that close it: "Seven (a.k.a. Se7en)". */
const MAIN_AND_ALTERNATES = /^(.*?\S)((?:\s*\([^()]*\))*)$/;

/** One title in natural order: "Godfather: Part II, The" → "The Godfather: Part II", "Uomo delle stelle, L'" → "L'Uomo delle stelle". */
function articleFirst(text: string): string {
  const aka = ALSO_KNOWN_AS.exec(text);
  if (aka) return aka[1] + articleFirst(aka[2]);
  const found = ARTICLE_LAST.exec(text.trim());
  if (!found || !ARTICLES.has(found[2])) return text.trim();
  const [, rest, article] = found;
  return article.endsWith("'") ? `${article}${rest}` : `${article} ${rest}`;
}

/**
 * A MovieLens title as people read it: articles in front, in the main title and in each parenthesised alternate
 * title, without the release year (shown beside it): "Horseman on the Roof, The (Hussard sur le toit, Le) (1995)"
 * → "The Horseman on the Roof (Le Hussard sur le toit)".
 */
export function naturalTitle(title: string): string {
  const bare = title.replace(YEAR_AT_END, '').trim();
  const split = MAIN_AND_ALTERNATES.exec(bare);
  if (!split) return bare;
  const alternates = [...split[2].matchAll(/\(([^()]*)\)/g)].map((group) => `(${articleFirst(group[1])})`);
  return [articleFirst(split[1]), ...alternates].join(' ');
}
