/** The column names of one CSV/TSV header line, with RFC 4180 quoting ("a, b" and "" escapes). */
export function splitHeader(header: string, delimiter: string): string[] {
  const names: string[] = [];
  let current = '';
  let inQuotes = false;
  for (let i = 0; i < header.length; i++) {
    const char = header[i]!;
    if (char === '"') {
      if (inQuotes && header[i + 1] === '"') {
        current += '"';
        i++;
      } else inQuotes = !inQuotes;
    } else if (char === delimiter && !inQuotes) {
      names.push(current);
      current = '';
    } else current += char;
  }
  names.push(current);
  return names;
}
