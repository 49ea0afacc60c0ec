/**
 * The vector selectors an expression reads (`name{matchers}`, `name`, `{matchers}`), in order,
 * each once, by a light tokenizer: strings stay inside their selector, range and subquery
 * brackets, grouping lists, functions, keywords and numbers are not selectors. Selectors inside
 * `absent(...)` and `absent_over_time(...)` are left out: those ask for a series to be missing.
 */
export function vectorSelectors(expr: string): string[] {
  const found = new Set<string>();
  const text = withoutAbsent(expr);
  const token =
    /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\]|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)|(\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|[smhdwy])?)|([a-zA-Z_:][a-zA-Z0-9_:]*)?(\s*\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\})?(\s*\()?/gy;
  let at = 0;
  while (at < text.length) {
    token.lastIndex = at;
    const match = token.exec(text);
    if (!match || match[0].length === 0) {
      at++;
      continue;
    }
    at = token.lastIndex;
    const [, number, name, matchers, call] = match;
    if (number !== undefined) continue;
    if (name !== undefined && call !== undefined && matchers === undefined) continue; // a function
    if (name !== undefined && matchers === undefined && keywords.has(name)) continue;
    if (name === undefined && matchers === undefined) continue;
    found.add(`${name ?? ''}${matchers?.trim() ?? ''}`);
  }
  return [...found];
}

/** The expression with every absent(...) / absent_over_time(...) call removed. */
function withoutAbsent(expr: string): string {
  let out = expr;
  for (;;) {
    const call = /\babsent(?:_over_time)?\s*\(/.exec(out);
    if (!call) return out;
    let depth = 0;
    let end = call.index + call[0].length - 1;
    for (; end < out.length; end++) {
      if (out[end] === '(') depth++;
      else if (out[end] === ')' && --depth === 0) break;
    }
    out = `${out.slice(0, call.index)}vector(0)${out.slice(end + 1)}`;
  }
}

// Operators and aggregations (`sum by (x) (...)` puts a grouping between the name and `(`).
const keywords = new Set([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'Inf',
  'NaN',
  'inf',
  'nan',
]);
