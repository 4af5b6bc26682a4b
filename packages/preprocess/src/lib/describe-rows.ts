/**
 * Names rows of the input file for error messages: 1-based, in file order, the first few
 * and a count of the rest, so a message stays one line even for a million bad rows.
 */
export function describeRows(fileRows: ArrayLike<number>, shown = 5): string {
  const count = fileRows.length;
  const first: number[] = [];
  for (let i = 0; i < Math.min(count, shown); i++) first.push(fileRows[i]! + 1);
  const more = count > shown ? ` and ${count - shown} more` : '';
  return `${count === 1 ? 'row' : 'rows'} ${first.join(', ')}${more}`;
}
