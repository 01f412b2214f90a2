/** The media types a client said it accepts, as the distribution manifest handler reads them. */
export interface ClientAccept {
  /** Lowercased media types without parameters. */
  types: ReadonlySet<string>;
  /** True when the client accepts anything: no Accept at all, or the star/star wildcard. */
  any: boolean;
}

// Caps against hostile headers; real clients send 4–6 short entries (PROTOCOL.md §1–3).
const MAX_ENTRY_LENGTH = 255;
const MAX_ENTRIES = 64;

// Parses every `Accept` line as one comma-separated list (Node joins repeated lines with ", ",
// and clients such as containerd send several; PROTOCOL.md §4.5). q-values are ignored, as the
// distribution handler ignores them: a listed type is accepted whatever its weight, even q=0.
// Wildcards other than `*/*` (e.g. `application/*`) are kept as literal entries and so match
// nothing: no manifest client sends them, and honouring them would widen what a client gets.
// Entries over 255 characters are dropped (but still count as "an Accept was given"), and
// scanning stops after 64 kept entries.
export function parseAccept(values: string | readonly string[] | null | undefined): ClientAccept {
  const lines = values == null ? [] : typeof values === 'string' ? [values] : values;
  const types = new Set<string>();
  let any = false;
  let sawEntry = false;
  scan: for (const line of lines) {
    for (const rawEntry of line.split(',')) {
      const entry = rawEntry.trim();
      if (entry.length === 0) continue;
      sawEntry = true;
      if (entry.length > MAX_ENTRY_LENGTH) continue;
      const semicolon = entry.indexOf(';');
      const mediaType = (semicolon === -1 ? entry : entry.slice(0, semicolon)).trim().toLowerCase();
      if (mediaType.length === 0) continue;
      if (mediaType === '*/*') any = true;
      else types.add(mediaType);
      if (types.size >= MAX_ENTRIES) break scan;
    }
  }
  return { types, any: any || !sawEntry };
}

/** Media types compare case-insensitively (RFC 9110 §8.3.1); parameters must already be gone. */
export function acceptsMediaType(accept: ClientAccept, mediaType: string): boolean {
  return accept.any || accept.types.has(mediaType.toLowerCase());
}
