// Finds the ways a lab test file could skip, or not run, without the harness knowing: suites outside
// describeLab, describeLab behind a condition, .skip/.skipIf/.runIf/.todo/.only, a test's own
// skip(), tests registered under a condition, early returns in a test or setup hook, and setup
// hooks outside describeLab. Under CW_REQUIRE_LAB=1 the harness turns "cannot run here" into a
// failure; each of these would bypass that. Read with the TypeScript parser, not by pattern.
import ts from 'typescript';

export interface HarnessProblem {
  line: number;
  message: string;
}

const suiteFunctions = new Set(['describe', 'suite', 'it', 'test', 'bench']);
const setupHooks = new Set(['beforeAll', 'beforeEach']);
const testBodies = new Set(['it', 'test', 'beforeAll', 'beforeEach']);
const skipMembers = new Set(['skip', 'skipIf', 'runIf', 'todo', 'only', 'fails']);

/** The function a call names: `it` for it(…), it.each(…)(…), it.concurrent(…). */
function calleeRoot(expression: ts.Expression): string | undefined {
  let e: ts.Expression = expression;
  for (;;) {
    if (ts.isIdentifier(e)) return e.text;
    if (ts.isPropertyAccessExpression(e)) e = e.expression;
    else if (ts.isCallExpression(e)) e = e.expression;
    else return undefined;
  }
}

export function checkLabTestFile(fileName: string, text: string): HarnessProblem[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const problems: HarnessProblem[] = [];
  const report = (node: ts.Node, message: string) => problems.push({ line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, message });

  let importsHarness = false;
  let topLevelSuites = 0;
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && /\/support\/lab(\.js)?$/.test(statement.moduleSpecifier.text)) {
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => (e.propertyName ?? e.name).text === 'describeLab')) importsHarness = true;
    }
    if (ts.isExpressionStatement(statement) && ts.isCallExpression(statement.expression) && ts.isIdentifier(statement.expression.expression) && statement.expression.expression.text === 'describeLab') topLevelSuites++;
  }
  if (!importsHarness) report(source, 'does not import describeLab from test/support/lab.js: lab suites must go through the harness, which honours CW_REQUIRE_LAB=1.');
  if (topLevelSuites === 0) report(source, 'has no describeLab(…) statement at the top level of the file (a describeLab behind a condition, or none, can skip unseen).');

  const isHarnessCall = (n: ts.Node) => ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'describeLab';
  const visit = (node: ts.Node, ancestors: ts.Node[]) => {
    if (ts.isPropertyAccessExpression(node) && skipMembers.has(node.name.text)) {
      const root = calleeRoot(node.expression);
      if (node.name.text === 'skip' || (root !== undefined && (suiteFunctions.has(root) || root === 'describeLab'))) {
        report(node, `uses .${node.name.text}: a lab suite skips only through describeLab (with its reason), never by itself.`);
      }
    }
    if (ts.isCallExpression(node)) {
      const root = calleeRoot(node.expression);
      if (ts.isIdentifier(node.expression) && node.expression.text === 'skip') report(node, 'calls skip(): a lab test never skips itself; the harness decides.');
      const harnessIndex = ancestors.findIndex(isHarnessCall);
      if (isHarnessCall(node) && !(ancestors.length === 2 && ts.isExpressionStatement(ancestors[1]!))) {
        report(node, 'calls describeLab inside something else (a condition, a function): it must be a top-level statement.');
      }
      if (root !== undefined && (suiteFunctions.has(root) || setupHooks.has(root))) {
        if (harnessIndex < 0) {
          report(node, setupHooks.has(root) ? `${root}(…) outside describeLab: setup must not run where the suite cannot.` : `${root}(…) outside describeLab: it would run (or skip) without the harness.`);
        } else {
          const conditional = ancestors
            .slice(harnessIndex + 1)
            .find((a) => ts.isIfStatement(a) || ts.isConditionalExpression(a) || (ts.isBinaryExpression(a) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(a.operatorToken.kind)));
          if (conditional) report(node, `${root}(…) is registered under a condition: a test that is not registered is a skip nobody sees.`);
        }
      }
      if (root !== undefined && testBodies.has(root)) {
        for (const arg of node.arguments) {
          if (!ts.isArrowFunction(arg) && !ts.isFunctionExpression(arg)) continue;
          const findReturns = (n: ts.Node): void => {
            if (ts.isFunctionLike(n)) return;
            if (ts.isReturnStatement(n)) report(n, `return inside ${root}(…): a test or setup that ends early passes without checking anything; fail, or let the harness skip the suite.`);
            ts.forEachChild(n, findReturns);
          };
          ts.forEachChild(arg.body, findReturns);
        }
      }
    }
    ts.forEachChild(node, (child) => visit(child, [...ancestors, node]));
  };
  ts.forEachChild(source, (child) => visit(child, [source]));
  return problems;
}
