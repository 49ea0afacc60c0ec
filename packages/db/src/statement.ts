/** The verbs that label metrics; any other statement is counted as `other`. */
const verbs = new Set([
  'select',
  'insert',
  'update',
  'delete',
  'replace',
  'create',
  'alter',
  'drop',
  'truncate',
  'rename',
  'set',
  'show',
  'call',
  'do',
  'lock',
  'unlock',
  'begin',
  'commit',
  'rollback',
]);

/** What a statement is, for span names and metric labels. Never holds parameter values. */
export interface StatementInfo {
  /** Lower-case verb from a fixed set (bounded label cardinality), or `other`. */
  verb: string;
  /** The first table the statement names, when it can be found. */
  table?: string;
  /** `<VERB> <table>`, e.g. `SELECT interfaces` (OpenTelemetry database span naming). */
  spanName: string;
}

const ident = '`([^`]+)`|([A-Za-z0-9_$]+(?:\\.[A-Za-z0-9_$]+)?)';
const modifiers = '(?:(?:LOW_PRIORITY|HIGH_PRIORITY|DELAYED|QUICK|IGNORE)\\s+)*';
const tablePatterns: Record<string, RegExp> = {
  select: new RegExp(`\\bFROM\\s+(?:${ident})`, 'i'),
  insert: new RegExp(`^INSERT\\s+${modifiers}(?:INTO\\s+)?(?:${ident})`, 'i'),
  replace: new RegExp(`^REPLACE\\s+${modifiers}(?:INTO\\s+)?(?:${ident})`, 'i'),
  update: new RegExp(`^UPDATE\\s+${modifiers}(?:${ident})`, 'i'),
  delete: new RegExp(`\\bFROM\\s+(?:${ident})`, 'i'),
  ddl: new RegExp(
    `^\\w+\\s+(?:TEMPORARY\\s+)?TABLE\\s+(?:IF\\s+(?:NOT\\s+)?EXISTS\\s+)?(?:${ident})`,
    'i',
  ),
  index: new RegExp(`\\bINDEX\\s+\\S+\\s+ON\\s+(?:${ident})`, 'i'),
};

const cache = new Map<string, StatementInfo>();
const cacheLimit = 1000;

/** Describes `sql` (its text with `?` placeholders) by its verb and first table; memoised. */
export function describeStatement(sql: string): StatementInfo {
  let info = cache.get(sql);
  if (info) return info;
  info = describe(sql);
  if (cache.size >= cacheLimit) cache.clear();
  cache.set(sql, info);
  return info;
}

function describe(sql: string): StatementInfo {
  const text = stripLeadingComments(sql);
  const first = /^[A-Za-z]+/.exec(text)?.[0].toLowerCase() ?? '';
  // WITH ... SELECT: a common table expression reads like a SELECT for our purposes.
  const keyword = first === 'with' ? 'select' : first === 'start' ? 'begin' : first;
  const verb = verbs.has(keyword) ? keyword : 'other';
  const table = findTable(verb, text);
  const operation = verb === 'other' ? first.toUpperCase() || 'SQL' : verb.toUpperCase();
  return table === undefined
    ? { verb, spanName: operation }
    : { verb, table, spanName: `${operation} ${table}` };
}

function findTable(verb: string, text: string): string | undefined {
  let pattern: RegExp | undefined;
  if (verb === 'create' || verb === 'alter' || verb === 'drop' || verb === 'truncate') {
    pattern = /^\w+\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\b/i.test(text)
      ? tablePatterns.index
      : tablePatterns.ddl;
  } else {
    pattern = tablePatterns[verb];
  }
  const match = pattern?.exec(text);
  return match ? (match[1] ?? match[2]) : undefined;
}

function stripLeadingComments(sql: string): string {
  let text = sql.trimStart();
  for (;;) {
    if (text.startsWith('/*') && !text.startsWith('/*!')) {
      const end = text.indexOf('*/');
      if (end < 0) return '';
      text = text.slice(end + 2).trimStart();
    } else if (text.startsWith('--') || text.startsWith('#')) {
      const end = text.indexOf('\n');
      if (end < 0) return '';
      text = text.slice(end + 1).trimStart();
    } else {
      return text;
    }
  }
}
