/**
 * The metric names a PromQL expression (or a Grafana query) reads: enough of a PromQL lexer to
 * hold dashboards and alert rules against what the service exports. Strings, label matchers,
 * ranges, grouping clauses and Grafana variables are removed first; what is left are function
 * names (followed by a parenthesis), keywords, numbers and metric names.
 */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

export function metricNames(expr: string): string[] {
  // Grafana's label_values(metric, label): only the metric is one.
  const grafana = /^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(expr);
  if (grafana !== null) return [grafana[1]!];
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const start = match.index;
    const before = start > 0 ? stripped[start - 1]! : ' ';
    if (/[0-9.]/.test(before)) continue; // a number's exponent or a duration's unit (1e3, 5m)
    if (stripped.slice(start + match[0].length).trimStart().startsWith('(')) continue; // a function
    if (KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

/**
 * Sample names a Prometheus text exposition declares (`# TYPE` lines): a histogram exports
 * `_bucket`, `_sum` and `_count` series, a summary `_sum`, `_count` and its quantiles. Declared
 * metrics count even before their first observation (labelled ones have no sample until then).
 */
export function exportedSampleNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = match as unknown as [string, string, string];
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}
