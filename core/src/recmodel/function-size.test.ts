import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** The reconcile decision stays a list of small steps: no function (closures included) over this many lines. */
const MAX_LINES = 60;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

/** Every function-like node of a file with its line count, named by its file and first line. */
function functionSizes(file: string): { where: string; lines: number }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const sizes: { where: string; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      sizes.push({ where: `${path.relative(process.cwd(), file)}:${first + 1}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sizes;
}

describe('core/src/recmodel', () => {
  it(`has no function longer than ${MAX_LINES} lines`, () => {
    const sizes = sourceFiles(import.meta.dirname).flatMap(functionSizes);
    const longest = sizes.reduce((a, b) => (b.lines > a.lines ? b : a));
    console.log(`longest function: ${longest.where} (${longest.lines} lines) of ${sizes.length}`);
    expect(sizes.filter((s) => s.lines > MAX_LINES)).toEqual([]);
  });
});
