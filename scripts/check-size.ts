/**
 * House check (`npm run check:size`): lists every file in packages/, functions/ and infra/ over 300 lines and every
 * function over 80 lines that does not say why at its top. A long file says why in a `// size: …` comment in its
 * first lines; a long function in a `// size: …` comment as the first line of its body (or just above it).
 * Exits 1 when it lists anything. Uses the TypeScript compiler's parser, so arrow functions, methods and nested
 * functions count like declarations.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const ROOT = join(import.meta.dirname, "..");
const ROOTS = ["packages", "functions", "infra"];
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;
const REASON = /\/\/\s*size:\s*\S/;

/** The .ts files under a folder (node_modules and generated output left out). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "dist") return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

type FunctionNode = ts.FunctionLikeDeclaration & { body: ts.Node };

function isFunctionWithBody(node: ts.Node): node is FunctionNode {
  return (
    (ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node)) &&
    node.body !== undefined
  );
}

/** A readable name: the declaration's own, or the variable/property it is assigned to. */
function nameOf(node: FunctionNode, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && parent.name) {
    return parent.name.getText(source);
  }
  return "(anonymous)";
}

/** True when the lines just above the function, or the first lines of its body, carry a `// size:` reason. */
function hasReason(node: FunctionNode, source: ts.SourceFile, lines: readonly string[]): boolean {
  const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
  const bodyStart = source.getLineAndCharacterOfPosition(node.body.getStart(source)).line;
  const window = [...lines.slice(Math.max(0, start - 3), start), ...lines.slice(start, bodyStart + 2)];
  return window.some((line) => REASON.test(line));
}

/** The findings for one file, as `path:line  what`. */
export function check(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  const rel = relative(ROOT, path);
  const findings: string[] = [];
  const lineCount = text.endsWith("\n") ? lines.length - 1 : lines.length;
  if (lineCount > MAX_FILE_LINES && !lines.slice(0, 15).some((line) => REASON.test(line))) {
    findings.push(`${rel}:1  file has ${lineCount} lines (> ${MAX_FILE_LINES}) and no "// size:" reason`);
  }
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (isFunctionWithBody(node)) {
      const from = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const to = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const length = to - from + 1;
      if (length > MAX_FUNCTION_LINES && !hasReason(node, source, lines)) {
        findings.push(
          `${rel}:${from + 1}  function ${nameOf(node, source)} has ${length} lines (> ${MAX_FUNCTION_LINES}) and no "// size:" reason`,
        );
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

const findings = ROOTS.flatMap((root) => sourceFiles(join(ROOT, root))).flatMap(check);
for (const finding of findings) console.log(finding);
console.log(
  findings.length === 0 ? "size check: nothing over the limits without a reason" : `${findings.length} found`,
);
process.exitCode = findings.length === 0 ? 0 : 1;
