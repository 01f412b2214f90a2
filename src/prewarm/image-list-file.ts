/**
 * Image references from a `--file`: one per line; blank lines and `#` comments (whole-line or
 * trailing) are ignored. A reference never holds `#` or whitespace, so neither is ambiguous.
 */
export function parseImageList(text: string): string[] {
  const references: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const hash = line.indexOf('#');
    const reference = (hash === -1 ? line : line.slice(0, hash)).trim();
    if (reference !== '') references.push(reference);
  }
  return references;
}
