/**
 * A framed list of `label  value` rows, so the URLs stand out of the processes' logs. Open on
 * the right: long URLs that wrap on a narrow terminal do not break the frame.
 */
export function box(title: string, rows: [label: string, value: string][]): string {
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const rule = '─'.repeat(labelWidth + 40);
  return [
    `┌─ ${title} ${rule.slice(title.length)}`,
    ...rows.map(([label, value]) => `│ ${label.padEnd(labelWidth)}  ${value}`),
    `└${rule}───`,
  ].join('\n');
}

/** `a=1 b.c=2 …` from any JSON value, cut to one line. */
export function compactLine(value: unknown, maxLength = 160): string {
  const pairs: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    } else {
      pairs.push(`${path || 'value'}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    }
  };
  walk(value, '');
  const line = pairs.join(' ');
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}
